"""The portal holds no models of its own: it composes the apps (docs/architecture.md)."""
