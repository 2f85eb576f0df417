"""Views by concern: one module per group of pages (see each module), all thin over services and selectors."""
