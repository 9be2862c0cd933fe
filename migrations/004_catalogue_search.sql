-- Search across a comune's catalogue: full text in Italian and English
-- (accents folded, stems matched) plus trigram similarity on titles, so a
-- typo ("anagarfe", "carta identita") still finds the service.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change); this wrapper
-- names the dictionary, so it may be used in generated columns.
CREATE FUNCTION civica_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
GRANT EXECUTE ON FUNCTION civica_fold(text) TO civica_tenant;

CREATE TEXT SEARCH CONFIGURATION civica_it (COPY = pg_catalog.italian);
ALTER TEXT SEARCH CONFIGURATION civica_it
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, italian_stem;
CREATE TEXT SEARCH CONFIGURATION civica_en (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION civica_en
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

ALTER TABLE services
  ADD COLUMN search_it tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('civica_it', coalesce(card->'title'->>'it', '')), 'A') ||
    setweight(to_tsvector('civica_it', coalesce(card->'description'->>'it', '')), 'B') ||
    setweight(to_tsvector('civica_it', coalesce(card->'addressed'->>'it', '') || ' ' || coalesce(card->'how_to'->>'it', '') || ' ' ||
      coalesce(card->'needed'->>'it', '')), 'C')) STORED,
  ADD COLUMN search_en tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('civica_en', coalesce(card->'title'->>'en', '')), 'A') ||
    setweight(to_tsvector('civica_en', coalesce(card->'description'->>'en', '')), 'B') ||
    setweight(to_tsvector('civica_en', coalesce(card->'addressed'->>'en', '') || ' ' || coalesce(card->'how_to'->>'en', '') || ' ' ||
      coalesce(card->'needed'->>'en', '')), 'C')) STORED,
  ADD COLUMN title_folded text GENERATED ALWAYS AS (
    civica_fold(coalesce(card->'title'->>'it', '') || ' ' || coalesce(card->'title'->>'en', ''))) STORED,
  -- What lists show: the card without its long sections. A whole card is
  -- tens of KB and TOASTed; reading fields out of it for every row of a list
  -- decompressed it again for each field.
  ADD COLUMN summary jsonb GENERATED ALWAYS AS (
    card - ARRAY['addressed', 'how_to', 'needed', 'achieved', 'calendar', 'deadlines', 'costs', 'access', 'conditions']) STORED;

-- Queries always name the tenant, whose ~50 services the primary key finds;
-- these indexes serve cross-catalogue work (and keep the door open to it).
CREATE INDEX services_search_it ON services USING gin (search_it);
CREATE INDEX services_search_en ON services USING gin (search_en);
CREATE INDEX services_title_trgm ON services USING gin (title_folded gin_trgm_ops);

---- create above / drop below ----

ALTER TABLE services DROP COLUMN search_it, DROP COLUMN search_en, DROP COLUMN title_folded, DROP COLUMN summary;
DROP TEXT SEARCH CONFIGURATION civica_it;
DROP TEXT SEARCH CONFIGURATION civica_en;
DROP FUNCTION civica_fold(text);
