// Package views holds Civica's templ components: the layout every page shares
// (header with the comune's name, logo and colour, skip link, breadcrumbs,
// footer with the Modello Comuni links, language switch) and the pages.
//
// Views never touch the database or domain storage: a handler fills one view
// model per page (a struct shaped like the screen) and renders it. Every text
// comes from the i18n catalogues through Chrome.T. The data-element attributes
// are the markers AgID's checker looks for (see shared/reference/modello-comuni.md):
// keep them exactly as they are.
package views
