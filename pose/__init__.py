"""pose: video frames -> MediaPipe landmarks -> NTU-25 skeleton stream with global motion (no Qt, no torch)."""
