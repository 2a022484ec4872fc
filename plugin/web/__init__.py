"""HTTP views: health now; the admin API, pages and sidebar arrive here."""
