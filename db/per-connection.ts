import type Database from "better-sqlite3";

/**
 * `make(sqlite)` once per connection, then the same value: how every module keeps its prepared
 * statements (preparing SQL costs more than running most of it). Held weakly, so a closed and
 * dropped connection takes its statements with it.
 */
export function perConnection<T>(make: (sqlite: Database.Database) => T): (sqlite: Database.Database) => T {
  const made = new WeakMap<Database.Database, T>();
  return (sqlite) => {
    let value = made.get(sqlite);
    if (value === undefined) made.set(sqlite, (value = make(sqlite)));
    return value;
  };
}
