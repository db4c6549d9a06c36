"""The hub's own reach into the web on a user's behalf: the one SSRF-safe client
(`safe_fetch`), page-to-text (`extract`) and web search (`search`)."""
