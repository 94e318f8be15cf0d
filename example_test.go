package pgmoon_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/types"
)

func ExampleParseConfig() {
	cfg, err := pgmoon.ParseConfig("postgres://app:s3cret@db.internal:6543/shop?sslmode=disable&options=-c%20search_path%3Dapp")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Host, cfg.Port, cfg.User, cfg.Database, cfg.SSLMode, cfg.RuntimeParams["options"])
	fmt.Println(cfg) // the password is redacted

	kv, err := pgmoon.ParseConfig(`host=/var/run/postgresql dbname='my shop' user=app options='-c search_path=app'`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(kv.Host, kv.Database)

	// Two hosts, tried in order, the first that accepts writes kept.
	multi, err := pgmoon.ParseConfig("postgres://app@db1:5432,db2:5433/shop?target_session_attrs=read-write")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(multi.Host, multi.Port, multi.Fallbacks[0].Host, multi.Fallbacks[0].Port, multi.TargetSessionAttrs)

	_, err = pgmoon.ParseConfig("postgres://app:s3cret@db.internal:notaport/shop")
	fmt.Println(err)
	_, err = pgmoon.ParseConfig("host=db.internal search_path=app") // not a connection keyword
	fmt.Println(err)
	// Output:
	// db.internal 6543 app shop disable -c search_path=app
	// postgres://app:xxxxx@db.internal:6543/shop?options=-c%20search_path%3Dapp&sslmode=disable
	// /var/run/postgresql my shop
	// db1 5432 db2 5433 read-write
	// pgmoon: cannot parse connection string `postgres://app:xxxxx@db.internal:notaport/shop`: invalid integer value "notaport" for connection option "port"
	// pgmoon: cannot parse connection string `host=db.internal search_path=app`: invalid connection option "search_path"
}

func ExampleParseConfigWithOptions() {
	// A tenant names its database and credentials; the application alone
	// decides where and how to connect, and nothing comes from the
	// process's environment or files.
	opts := pgmoon.ParseConfigOptions{
		AllowedKeywords:   []string{"dbname", "user", "password", "application_name"},
		IgnoreEnvironment: true,
		IgnoreFiles:       true,
	}
	cfg, err := pgmoon.ParseConfigWithOptions("postgres://tenant42:s3cret@/tenant42_db?application_name=reports", opts)
	if err != nil {
		log.Fatal(err)
	}
	cfg.Host, cfg.Port = "db.internal", 5432
	cfg.SSLMode, cfg.SSLRootCert = pgmoon.SSLVerifyFull, "/etc/ssl/db-ca.crt"
	fmt.Println(cfg)

	_, err = pgmoon.ParseConfigWithOptions("postgres://tenant42:s3cret@evil.example/tenant42_db", opts)
	fmt.Println(err)
	// Output:
	// postgres://tenant42:xxxxx@db.internal:5432/tenant42_db?application_name=reports&sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fdb-ca.crt
	// pgmoon: cannot parse connection string `postgres://tenant42:xxxxx@evil.example/tenant42_db`: connection option "host" is not allowed here
}

func ExampleConn_SimpleQuery() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	results, err := conn.SimpleQuery(ctx, "update stock set n = n - 1 where item = 'pen'; select item, n from stock")
	var pgErr *pgmoon.PgError
	if errors.As(err, &pgErr) {
		log.Fatalf("statement %d failed: %s (SQLSTATE %s)", len(results), pgErr.Message, pgErr.SQLState())
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(results[0].CommandTag.RowsAffected(), "rows updated")
	for _, row := range results[1].Rows {
		fmt.Printf("%s: %s\n", row[0], row[1])
	}
}

// A Dialer decides how the bytes travel; here every connection, including
// the one CancelRequest opens, goes to a fixed address whatever the host.
func ExampleConfig_dialer() {
	cfg, err := pgmoon.ParseConfig("postgres://app@db.internal/shop")
	if err != nil {
		log.Fatal(err)
	}
	cfg.Dialer = dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", "127.0.0.1:15432") // e.g. an SSH tunnel's local end
	})
	conn, err := pgmoon.Connect(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(context.Background())
}

type dialerFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialerFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

func ExampleConn_Query() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	// $1 and $2 are sent as typed parameters (int8 and text[] here), never
	// interpolated into the SQL.
	rows, err := conn.Query(ctx, "select item, n, price, tags from stock where n > $1 and tags && $2", 10, []string{"office"})
	if err != nil {
		log.Fatal(err)
	}
	for rows.Next() {
		var (
			item  string
			n     int32
			price types.Numeric // lossless; a string or *big.Rat work too
			tags  []string
		)
		if err := rows.Scan(&item, &n, &price, &tags); err != nil {
			log.Fatal(err) // e.g. scan column 1 ("n"): cannot scan int8 into *int32: value … out of range
		}
		fmt.Println(item, n, price, tags)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
}

// BeginFunc commits when the function returns nil and rolls back when it
// returns an error or panics; BeginFunc on the Tx nests a savepoint.
func ExampleBeginFunc() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	err = pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
		if _, err := tx.Exec(ctx, "update stock set n = n - $1 where item = $2", 3, "pen"); err != nil {
			return err // rolled back
		}
		// An optional step: if it fails, only its own work is undone.
		err := pgmoon.BeginFunc(ctx, tx, func(sp *pgmoon.Tx) error {
			_, err := sp.Exec(ctx, "insert into audit (item, delta) values ($1, $2)", "pen", -3)
			return err
		})
		if err != nil {
			log.Printf("audit skipped: %v", err)
		}
		return nil // committed
	})
	if errors.Is(err, &pgmoon.PgError{Code: "40001"}) {
		log.Print("serialization failure: run it again")
	} else if err != nil {
		log.Fatal(err)
	}
}

// CollectRows with RowToStructByName reads the whole result into structs,
// matching columns to fields by name, and closes the rows.
func ExampleCollectRows() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	type Supplier struct {
		Name string
		City string
	}
	type Stock struct {
		Item      string
		Count     int32         `db:"n"` // a tag names the column
		Price     types.Numeric // price
		UpdatedAt time.Time     // updated_at: case and underscores do not matter
		Supplier  Supplier      // supplier.name, supplier.city
		Internal  string        `db:"-"` // never set
	}
	rows, err := conn.Query(ctx, `select s.item, s.n, s.price, s.updated_at,
		p.name as "supplier.name", p.city as "supplier.city"
		from stock s join supplier p on p.id = s.supplier_id where s.n > $1`, 10)
	if err != nil {
		log.Fatal(err)
	}
	stock, err := pgmoon.CollectRows(rows, pgmoon.RowToStructByName[Stock])
	if err != nil {
		log.Fatal(err) // e.g. RowToStructByName: …Stock: no field for column "tags"
	}
	for _, s := range stock {
		fmt.Println(s.Item, s.Count, s.Price, s.Supplier.City)
	}

	// One value: RowTo scans a single column; CollectExactlyOneRow wants
	// exactly one row (ErrNoRows or ErrTooManyRows otherwise).
	rows, err = conn.Query(ctx, "select sum(n) from stock")
	if err != nil {
		log.Fatal(err)
	}
	total, err := pgmoon.CollectExactlyOneRow(rows, pgmoon.RowTo[int64])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total, "items in stock")
}

// RowsSeq and Seq read a result in a range loop; leaving the loop early
// closes the rows and frees the connection.
func ExampleRowsSeq() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	rows, err := conn.Query(ctx, "select item, n from stock order by n")
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range pgmoon.RowsSeq(rows) {
		if err != nil {
			log.Fatal(err) // the statement failed after the rows before
		}
		var (
			item string
			n    int32
		)
		if err := row.Scan(&item, &n); err != nil {
			log.Fatal(err)
		}
		if n > 0 {
			break // the rest is discarded
		}
		fmt.Println("out of", item)
	}

	// Seq turns each row into a value first.
	rows, err = conn.Query(ctx, "select item from stock where 'office' = any(tags)")
	if err != nil {
		log.Fatal(err)
	}
	for item, err := range pgmoon.Seq(rows, pgmoon.RowTo[string]) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(item)
	}
}

// A Batch sends several statements in one write; their results come back
// in order, each with its own error.
func ExampleConn_SendBatch() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	b := &pgmoon.Batch{}
	b.Queue("insert into orders (item, n) values ($1, $2)", "pen", 3)
	b.Queue("select sum(n) from orders where item = $1", "pen")
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		log.Fatal(err)
	}
	var total int64
	if err := br.QueryRow().Scan(&total); err != nil {
		log.Fatal(err)
	}
	if err := br.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(total)
}

// Prepare names a statement; Query, QueryRow and Exec then take the name in
// place of the SQL.
func ExampleConn_Prepare() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	if _, err := conn.Prepare(ctx, "stock_of", "select n from stock where item = $1"); err != nil {
		log.Fatal(err)
	}
	for _, item := range []string{"pen", "ink"} {
		var n int32
		if err := conn.QueryRow(ctx, "stock_of", item).Scan(&n); err != nil {
			log.Fatal(err)
		}
		fmt.Println(item, n)
	}
}

// The exec mode can be chosen per call: here the simple protocol, with the
// argument quoted into the SQL by the driver.
func ExampleQueryExecMode() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop?default_query_exec_mode=cache_describe")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	var n int64
	if err := conn.QueryRow(ctx, "select count(*) from stock where item = $1", pgmoon.ExecModeSimpleProtocol, "pen").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}

// CopyFrom streams rows into a table with binary COPY; the source here is
// an iterator, so the rows are never all in memory.
func ExampleConn_CopyFrom() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	readings := func(yield func([]any, error) bool) {
		for i := range 1_000_000 {
			if !yield([]any{int64(i), "sensor-7", time.Now(), float64(i) / 10}, nil) {
				return
			}
		}
	}
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"metrics", "readings"},
		[]string{"id", "source", "at", "value"}, pgmoon.CopyFromSeq(readings))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "rows copied")
}

// CopyTo streams a COPY ... TO STDOUT to any io.Writer; CopyFromReader
// feeds a COPY ... FROM STDIN from any io.Reader, here CSV files.
func ExampleConn_CopyTo() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	out, err := os.Create("orders.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()
	if _, err := conn.CopyTo(ctx, out, "copy (select * from orders where day = current_date) to stdout (format csv, header)"); err != nil {
		log.Fatal(err)
	}

	in, err := os.Open("returns.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	n, err := conn.CopyFromReader(ctx, in, "copy returns from stdin (format csv, header)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "returns loaded")
}

// A listener: LISTEN once, then wait for notifications; a timeout only ends
// the wait, the connection stays usable.
func ExampleConn_WaitForNotification() {
	ctx := context.Background()
	conn, err := pgmoon.ConnectString(ctx, "postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	if _, err := conn.Exec(ctx, "listen order_placed"); err != nil {
		log.Fatal(err)
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			// Nothing for a minute: a chance to do housekeeping.
			continue
		case err != nil:
			log.Fatal(err) // the connection is gone
		}
		fmt.Printf("order %s placed (by backend %d)\n", n.Payload, n.PID)
	}
}

// OnNotice receives the server's notices (RAISE NOTICE, warnings) from any
// call.
func ExampleConfig_onNotice() {
	cfg, err := pgmoon.ParseConfig("postgres://app@localhost/shop")
	if err != nil {
		log.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) {
		log.Printf("postgres says: %s", n)
	}
	conn, err := pgmoon.Connect(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(context.Background())
}

// database/sql: the driver registers itself as "pgmoon" (and "postgres"
// when no other driver has that name).
func Example_databaseSQL() {
	db, err := sql.Open("pgmoon", "postgres://app@localhost/shop?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("select count(*) from orders where item = $1", "pen").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}

// OpenDB takes a Config built in code: a custom dialer, TLS, callbacks.
// sql.Conn.Raw reaches the native connection for COPY and LISTEN.
func ExampleOpenDB() {
	cfg, err := pgmoon.ParseConfig("postgres://app@db.internal/shop?sslmode=verify-full")
	if err != nil {
		log.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) { log.Print(n) }
	db := pgmoon.OpenDB(cfg)
	defer db.Close()

	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		c := driverConn.(*pgmoon.DriverConn).Conn()
		_, err := c.CopyFrom(ctx, pgmoon.Identifier{"orders"}, []string{"item", "n"},
			pgmoon.CopyFromRows([][]any{{"pen", 3}, {"ink", 1}}))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}
