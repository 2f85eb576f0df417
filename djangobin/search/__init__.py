"""Search: what a query means (`syntax`), the indexes that answer it (`index`), and the marked excerpt a result
shows (`excerpt`)."""
