//! Reading a column the same way from a SQLite row and a PostgreSQL row, so each stored
//! type has one decoder for both engines. Columns hold what emcd wrote; a column of
//! another type panics (a programming error, not bad data).

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

pub(super) trait Get {
    fn i64(&self, column: &str) -> i64;
    fn opt_i64(&self, column: &str) -> Option<i64>;
    fn f64(&self, column: &str) -> f64;
    fn text(&self, column: &str) -> String;
    fn opt_text(&self, column: &str) -> Option<String>;
    fn bytes(&self, column: &str) -> Vec<u8>;
}

macro_rules! get_for {
    ($row:ty) => {
        impl Get for $row {
            fn i64(&self, column: &str) -> i64 {
                self.get(column)
            }
            fn opt_i64(&self, column: &str) -> Option<i64> {
                self.get(column)
            }
            fn f64(&self, column: &str) -> f64 {
                self.get(column)
            }
            fn text(&self, column: &str) -> String {
                self.get(column)
            }
            fn opt_text(&self, column: &str) -> Option<String> {
                self.get(column)
            }
            fn bytes(&self, column: &str) -> Vec<u8> {
                self.get(column)
            }
        }
    };
}

get_for!(SqliteRow);
get_for!(PgRow);
