"""`python -m samples.django_app`: serves the sample (HOST, PORT; default 127.0.0.1:5000)."""

import os
import sys

if __name__ == "__main__":
    port = os.environ.get("PORT", "5000")
    host = os.environ.get("HOST", "127.0.0.1")
    os.environ.setdefault("APP_BASE_URL", f"http://{host}:{port}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samples.django_app.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", f"{host}:{port}", "--noreload", "--skip-checks"])
