"""One module per page (or group of small pages); each exposes `add_pages(app)`."""
