"""Policy and certification catalogues: data-pack loading, search and recommendation."""
