"""The only module servers import: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from mentoring import create_app

app = create_app()
