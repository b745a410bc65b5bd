// An area the table does not name.
