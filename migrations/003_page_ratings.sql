-- Answers to the page-rating component ("Quanto sono chiare le informazioni
-- su questa pagina?"), one row per answer, per page and language.
CREATE TABLE page_ratings (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  id         uuid NOT NULL DEFAULT gen_random_uuid(),
  path       text NOT NULL CHECK (path LIKE '/%' AND length(path) <= 300),
  language   text NOT NULL,
  rating     int NOT NULL CHECK (rating BETWEEN 1 AND 5),
  answer     text NOT NULL DEFAULT '' CHECK (answer ~ '^([pn][1-5])?$'),
  detail     text NOT NULL DEFAULT '' CHECK (length(detail) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX page_ratings_page ON page_ratings (tenant_id, path, language);

ALTER TABLE page_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE page_ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON page_ratings
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT ON page_ratings TO civica_tenant;

---- create above / drop below ----

DROP TABLE page_ratings;
