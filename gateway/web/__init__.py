"""The thin web client the gateway serves: HTML shells rendered here, plain ES
modules and CSS under ``static/`` (no build step), texts in ``static/i18n``."""
