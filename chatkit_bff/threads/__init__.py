"""One user's ChatKit threads: listing, reading, deleting and exporting only their own.

`user_threads` guards ownership (anyone else's thread is "not found"), `owners` memoizes who
owns what, `params` and `paging` check and page query parameters, `export` writes transcripts,
`archive` streams the ZIP of every thread, `pages` shapes what the chat pages show, `demo_seed`
fills the development emulator. May import `rendering`, `policy` and the base.
"""
