//! Scenario files with mistakes: each is refused at load time with the file, line, column, key and fix.
