"""Retention: conversations older than their owner's `retention_days` are deleted upstream.

`job` walks every thread of the project and deletes what is due (paced, checkpointed, audited);
`schedule` says when a thread falls due, for the job and for the pages. May import `admin`
(audit trail, users directory), `apps` (whose upstream user an app's thread belongs to),
`policy` and the base.
"""
