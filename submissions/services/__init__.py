"""Every write: status changes, files, mail, review, selection, backups. Views and the admin call these."""
