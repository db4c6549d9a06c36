"""Video and audio in channels. The parts: `uploads` (receiving, checking and storing
a file before it is sent), `sending` (linking it to its message, waking the worker),
`reading` (members-only bytes by range, the poster, the transcript; frames and
transcript for agents), `processing` (one file: frames, poster, transcript, progress),
`worker` (the background loop that claims sent files)."""
