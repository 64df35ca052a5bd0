"""Run the gateway under gunicorn: ``python -m gateway``."""
import os
import sys


def main():
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-c",
                               os.path.join(os.path.dirname(__file__), "gunicorn_conf.py"),
                               "gateway.app:create_app()"])


if __name__ == "__main__":
    main()
