package compat_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// Author has many Books; a Book belongs to an Author. gorm.Model brings
// ID, CreatedAt, UpdatedAt and DeletedAt (soft delete, indexed).
type Author struct {
	gorm.Model
	Name  string `gorm:"size:100;not null"`
	Email string `gorm:"size:200;uniqueIndex"`
	Books []Book
}

type Book struct {
	ID          uint
	Title       string  `gorm:"not null;index"`
	ISBN        string  `gorm:"uniqueIndex;size:17"`
	Price       float64 `gorm:"type:numeric(10,2)"`
	Pages       *int
	Cover       []byte
	PublishedAt *time.Time
	AuthorID    uint
	Author      Author
	Reviews     []Review
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type Review struct {
	ID     uint
	BookID uint   `gorm:"index:idx_review_book_stars,priority:1"`
	Stars  int    `gorm:"index:idx_review_book_stars,priority:2;check:stars between 1 and 5"`
	Body   string `gorm:"type:text"`
}

// gormConfig is the dialector configuration the tests use: our *sql.DB
// as the connection, and DriverName set so that the postgres dialector
// does not take the *sql.DB for pgx's (see TestGORMDriverNameSetting).
func gormConfig(db *sql.DB) postgres.Config {
	return postgres.Config{Conn: db, DriverName: "pgmoon"}
}

// openGORM returns GORM over a *sql.DB of pgmoon's driver on a database of
// the test's own, with the models migrated.
func openGORM(t *testing.T, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	if cfg == nil {
		cfg = &gorm.Config{}
	}
	cfg.Logger = logger.Discard
	gdb, err := gorm.Open(postgres.New(gormConfig(openDB(t))), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := gdb.AutoMigrate(&Author{}, &Book{}, &Review{}); err != nil {
		t.Fatalf("AutoMigrate: %v", err)
	}
	return gdb
}

func TestGORMAutoMigrate(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, nil)

	// A second AutoMigrate reads the tables back (ColumnTypes, indexes,
	// constraints) and finds nothing to change.
	if err := gdb.AutoMigrate(&Author{}, &Book{}, &Review{}); err != nil {
		t.Fatalf("second AutoMigrate: %v", err)
	}
	// A new field is added as a column.
	type Author2 struct {
		Author
		Bio string
	}
	if err := gdb.Table("authors").AutoMigrate(&Author2{}); err != nil {
		t.Fatalf("AutoMigrate adding a column: %v", err)
	}

	m := gdb.Migrator()
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"table authors", m.HasTable(&Author{})},
		{"table books", m.HasTable("books")},
		{"column authors.bio", m.HasColumn("authors", "bio")},
		{"index idx_authors_deleted_at", m.HasIndex(&Author{}, "idx_authors_deleted_at")},
		{"unique index idx_authors_email", m.HasIndex(&Author{}, "idx_authors_email")},
		{"index idx_books_title", m.HasIndex(&Book{}, "Title")},
		{"composite index idx_review_book_stars", m.HasIndex(&Review{}, "idx_review_book_stars")},
		{"foreign key books -> authors", m.HasConstraint(&Author{}, "Books")},
		{"foreign key reviews -> books", m.HasConstraint(&Book{}, "Reviews")},
		{"check constraint on stars", m.HasConstraint(&Review{}, "chk_reviews_stars")},
	} {
		if !c.ok {
			t.Errorf("after AutoMigrate: no %s", c.what)
		}
	}

	cols, err := m.ColumnTypes(&Book{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, c := range cols {
		types[c.Name()] = c.DatabaseTypeName()
	}
	for col, want := range map[string]string{"id": "INT8", "title": "TEXT", "isbn": "VARCHAR", "price": "NUMERIC", "pages": "INT8", "cover": "BYTEA", "published_at": "TIMESTAMPTZ"} {
		if got := types[col]; !strings.EqualFold(got, want) {
			t.Errorf("column %s: type %q, want %q", col, got, want)
		}
	}
	var unique bool
	if err := gdb.Raw("select indisunique from pg_index where indexrelid = 'idx_books_isbn'::regclass").Scan(&unique).Error; err != nil || !unique {
		t.Errorf("idx_books_isbn unique = %v, %v", unique, err)
	}
}

func TestGORMCRUD(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, nil)

	pages := 352
	published := time.Date(1978, 2, 22, 0, 0, 0, 0, time.UTC)
	a := Author{Name: "Brian Kernighan", Email: "bwk@example.com", Books: []Book{
		{Title: "The C Programming Language", ISBN: "0-13-110163-3", Price: 45.5, Pages: &pages, PublishedAt: &published, Cover: []byte{0xca, 0xfe}},
		{Title: "The Go Programming Language", ISBN: "978-0134190440", Price: 39.99},
	}}
	// The author and its books in one Create (RETURNING "id").
	if err := gdb.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Books[0].ID == 0 || a.Books[1].AuthorID != a.ID || a.CreatedAt.IsZero() {
		t.Fatalf("after Create: %+v", a)
	}

	var b Book
	if err := gdb.Where("isbn = ?", "0-13-110163-3").First(&b).Error; err != nil {
		t.Fatal(err)
	}
	if b.Title != "The C Programming Language" || b.Price != 45.5 || b.Pages == nil || *b.Pages != 352 ||
		b.PublishedAt == nil || !b.PublishedAt.Equal(published) || string(b.Cover) != "\xca\xfe" {
		t.Errorf("First = %+v", b)
	}
	var other Book
	if err := gdb.First(&other, a.Books[1].ID).Error; err != nil || other.Pages != nil || other.PublishedAt != nil || other.Cover != nil {
		t.Errorf("NULLs: %+v, %v", other, err)
	}

	// Updates with a struct and a map; Update of one column; Expr.
	if err := gdb.Model(&b).Updates(Book{Title: "K&R", Price: 50}).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Model(&Book{}).Where("id = ?", b.ID).Updates(map[string]any{"pages": nil, "price": gorm.Expr("price * ?", 2)}).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.First(&b, b.ID).Error; err != nil {
		t.Fatal(err)
	}
	if b.Title != "K&R" || b.Price != 100 || b.Pages != nil || !b.UpdatedAt.After(b.CreatedAt) {
		t.Errorf("after updates: %+v", b)
	}
	res := gdb.Model(&Book{}).Where("price < ?", 60).Update("title", gorm.Expr("upper(title)"))
	if res.Error != nil || res.RowsAffected != 1 {
		t.Errorf("Update: %d rows, %v", res.RowsAffected, res.Error)
	}

	// Soft delete: hidden, still there for Unscoped; then gone for good.
	if err := gdb.Delete(&Author{}, a.ID).Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := gdb.Model(&Author{}).Count(&n).Error; err != nil || n != 0 {
		t.Errorf("count after soft delete = %d, %v", n, err)
	}
	var ghost Author
	if err := gdb.Unscoped().First(&ghost, a.ID).Error; err != nil || !ghost.DeletedAt.Valid {
		t.Errorf("Unscoped after soft delete: %+v, %v", ghost, err)
	}
	if err := gdb.First(&ghost, a.ID).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
		t.Errorf("First of a soft-deleted row: err = %v, want ErrRecordNotFound", err)
	}
	if err := gdb.Where("author_id = ?", a.ID).Delete(&Book{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Unscoped().Delete(&ghost).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Unscoped().Model(&Author{}).Count(&n).Error; err != nil || n != 0 {
		t.Errorf("count after hard delete = %d, %v", n, err)
	}
}

// seedLibrary creates two authors with books and reviews.
func seedLibrary(t *testing.T, gdb *gorm.DB) []Author {
	t.Helper()
	authors := []Author{
		{Name: "Rob Pike", Email: "r@example.com", Books: []Book{
			{Title: "The Practice of Programming", ISBN: "0-201-61586-X", Reviews: []Review{{Stars: 5, Body: "clear"}, {Stars: 4, Body: "short"}}},
			{Title: "The Unix Programming Environment", ISBN: "0-13-937681-X", Reviews: []Review{{Stars: 5}}},
		}},
		{Name: "Niklaus Wirth", Email: "nw@example.com", Books: []Book{
			{Title: "Algorithms + Data Structures = Programs", ISBN: "0-13-022418-9"},
		}},
	}
	if err := gdb.Create(&authors).Error; err != nil {
		t.Fatal(err)
	}
	return authors
}

func TestGORMPreload(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, nil)
	seedLibrary(t, gdb)

	var authors []Author
	err := gdb.Preload("Books", func(db *gorm.DB) *gorm.DB { return db.Order("books.title") }).
		Preload("Books.Reviews", "stars >= ?", 5).Order("name").Find(&authors).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(authors) != 2 || authors[1].Name != "Rob Pike" || len(authors[1].Books) != 2 || len(authors[0].Books) != 1 {
		t.Fatalf("Preload: %+v", authors)
	}
	pike := authors[1]
	if pike.Books[0].Title != "The Practice of Programming" || len(pike.Books[0].Reviews) != 1 || len(pike.Books[1].Reviews) != 1 {
		t.Errorf("nested Preload with a condition: %+v", pike.Books)
	}

	// belongs-to: Preload and Joins.
	var books []Book
	if err := gdb.Preload("Author").Order("id").Find(&books).Error; err != nil {
		t.Fatal(err)
	}
	if len(books) != 3 || books[2].Author.Name != "Niklaus Wirth" {
		t.Errorf("Preload(Author): %+v", books)
	}
	var joined []Book
	if err := gdb.Joins("Author").Where(`"Author".name = ?`, "Rob Pike").Order("books.id").Find(&joined).Error; err != nil {
		t.Fatal(err)
	}
	if len(joined) != 2 || joined[0].Author.Email != "r@example.com" {
		t.Errorf("Joins(Author): %+v", joined)
	}

	// Aggregates into a struct.
	var stats []struct {
		Title string
		Avg   float64
		N     int
	}
	err = gdb.Model(&Review{}).Select("books.title, avg(stars) as avg, count(*) as n").
		Joins("join books on books.id = reviews.book_id").Group("books.title").Order("books.title").Scan(&stats).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 || stats[0].Avg != 4.5 || stats[0].N != 2 {
		t.Errorf("aggregates: %+v", stats)
	}
}

func TestGORMTransactions(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, nil)
	count := func() int64 {
		t.Helper()
		var n int64
		if err := gdb.Model(&Author{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	errStop := errors.New("stop")

	// An error from the function rolls everything back.
	err := gdb.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&Author{Name: "A", Email: "a@example.com"}).Error; err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) || count() != 0 {
		t.Errorf("Transaction returning an error: err = %v, %d authors", err, count())
	}

	// A panic too, and it goes on up.
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recover() = %v", r)
			}
		}()
		_ = gdb.Transaction(func(tx *gorm.DB) error {
			tx.Create(&Author{Name: "P", Email: "p@example.com"})
			panic("boom")
		})
	}()
	if n := count(); n != 0 {
		t.Errorf("after a panic: %d authors", n)
	}

	// Nested transactions are savepoints: the inner one that fails is
	// rolled back alone.
	err = gdb.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&Author{Name: "Outer", Email: "outer@example.com"}).Error; err != nil {
			return err
		}
		innerErr := tx.Transaction(func(tx2 *gorm.DB) error {
			if err := tx2.Create(&Author{Name: "Inner", Email: "inner@example.com"}).Error; err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(innerErr, errStop) {
			return fmt.Errorf("inner: %v", innerErr)
		}
		// A failed statement in a savepoint does not end the outer
		// transaction once the savepoint is rolled back.
		_ = tx.Transaction(func(tx2 *gorm.DB) error {
			return tx2.Create(&Author{Name: "Dup", Email: "outer@example.com"}).Error
		})
		return tx.Create(&Author{Name: "Second", Email: "second@example.com"}).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := gdb.Model(&Author{}).Order("id").Pluck("name", &names).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "Outer,Second" {
		t.Errorf("after nested transactions: %q, want Outer,Second", names)
	}

	// Manual: Begin, SavePoint, RollbackTo, Commit.
	tx := gdb.Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	tx.Create(&Author{Name: "Kept", Email: "kept@example.com"})
	tx.SavePoint("sp1")
	tx.Create(&Author{Name: "Dropped", Email: "dropped@example.com"})
	tx.RollbackTo("sp1")
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	var kept, dropped int64
	gdb.Model(&Author{}).Where("name = ?", "Kept").Count(&kept)
	gdb.Model(&Author{}).Where("name = ?", "Dropped").Count(&dropped)
	if kept != 1 || dropped != 0 {
		t.Errorf("SavePoint/RollbackTo: kept %d, dropped %d", kept, dropped)
	}

	// Isolation levels through sql.TxOptions.
	err = gdb.Transaction(func(tx *gorm.DB) error {
		var iso string
		if err := tx.Raw("show transaction_isolation").Scan(&iso).Error; err != nil {
			return err
		}
		if iso != "repeatable read" {
			return fmt.Errorf("isolation %q", iso)
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		t.Error(err)
	}
}

func TestGORMBatchAndUpsert(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, nil)

	a := Author{Name: "Batch", Email: "batch@example.com"}
	if err := gdb.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	books := make([]Book, 250)
	for i := range books {
		books[i] = Book{Title: fmt.Sprintf("Vol. %d", i+1), ISBN: fmt.Sprintf("isbn-%d", i+1), Price: float64(i) + 0.5, AuthorID: a.ID}
	}
	res := gdb.CreateInBatches(books, 100)
	if res.Error != nil || res.RowsAffected != 250 {
		t.Fatalf("CreateInBatches: %d rows, %v", res.RowsAffected, res.Error)
	}
	seen := map[uint]bool{}
	for _, b := range books {
		if b.ID == 0 || seen[b.ID] {
			t.Fatalf("CreateInBatches: IDs not filled in: %d", b.ID)
		}
		seen[b.ID] = true
	}
	var sum float64
	if err := gdb.Model(&Book{}).Select("sum(price)").Scan(&sum).Error; err != nil || sum != 250*249/2+125 {
		t.Errorf("sum(price) = %v, %v", sum, err)
	}

	// Upsert on the unique index: update some columns.
	up := []Book{
		{Title: "Vol. 1, second edition", ISBN: "isbn-1", Price: 9.99, AuthorID: a.ID},
		{Title: "Vol. 251", ISBN: "isbn-251", Price: 1, AuthorID: a.ID},
	}
	err := gdb.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "isbn"}},
		DoUpdates: clause.AssignmentColumns([]string{"title", "price", "updated_at"}),
	}).Create(&up).Error
	if err != nil {
		t.Fatal(err)
	}
	if up[0].ID != books[0].ID {
		t.Errorf("upserted row: ID %d, want the existing %d", up[0].ID, books[0].ID)
	}
	var b Book
	if err := gdb.Where("isbn = ?", "isbn-1").First(&b).Error; err != nil || b.Title != "Vol. 1, second edition" || b.Price != 9.99 {
		t.Errorf("after upsert: %+v, %v", b, err)
	}
	var n int64
	gdb.Model(&Book{}).Count(&n)
	if n != 251 {
		t.Errorf("after upsert: %d books, want 251", n)
	}

	// Do nothing on conflict; UpdateAll.
	res = gdb.Clauses(clause.OnConflict{DoNothing: true}).Create(&Book{Title: "ignored", ISBN: "isbn-2", AuthorID: a.ID})
	if res.Error != nil || res.RowsAffected != 0 {
		t.Errorf("DoNothing: %d rows, %v", res.RowsAffected, res.Error)
	}
	err = gdb.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, UpdateAll: true}).
		Create(&Author{Name: "Batch renamed", Email: "batch@example.com"}).Error
	if err != nil {
		t.Fatal(err)
	}
	var got Author
	if err := gdb.First(&got, a.ID).Error; err != nil || got.Name != "Batch renamed" {
		t.Errorf("UpdateAll: %+v, %v", got, err)
	}
}

func TestGORMTranslateError(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, &gorm.Config{TranslateError: true})
	a := Author{Name: "Unique", Email: "u@example.com"}
	if err := gdb.Create(&a).Error; err != nil {
		t.Fatal(err)
	}

	// INSERT ... RETURNING (a query) and UPDATE (an exec), in and out of
	// a transaction.
	err := gdb.Create(&Author{Name: "Again", Email: "u@example.com"}).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate insert: err = %v, want gorm.ErrDuplicatedKey", err)
	}
	b := Author{Name: "Other", Email: "o@example.com"}
	if err := gdb.Create(&b).Error; err != nil {
		t.Fatal(err)
	}
	err = gdb.Model(&b).Update("email", "u@example.com").Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate update: err = %v, want gorm.ErrDuplicatedKey", err)
	}
	err = gdb.Create(&Book{Title: "Orphan", ISBN: "x", AuthorID: 9999}).Error
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("missing author: err = %v, want gorm.ErrForeignKeyViolated", err)
	}
	err = gdb.Transaction(func(tx *gorm.DB) error {
		return tx.Delete(&Author{}, a.ID).Error // soft: an UPDATE, no violation
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := gdb.Create(&Book{Title: "Owned", ISBN: "y", AuthorID: b.ID}).Error; err != nil {
		t.Fatal(err)
	}
	err = gdb.Transaction(func(tx *gorm.DB) error {
		return tx.Unscoped().Delete(&Author{}, b.ID).Error
	})
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("deleting a referenced author: err = %v, want gorm.ErrForeignKeyViolated", err)
	}
	err = gdb.Create(&Review{BookID: 0, Stars: 9}).Error
	if !errors.Is(err, gorm.ErrCheckConstraintViolated) {
		t.Errorf("stars 9: err = %v, want gorm.ErrCheckConstraintViolated", err)
	}
	err = gdb.Where("no_such_column = ?", 1).Find(&[]Author{}).Error
	if !errors.Is(err, gorm.ErrInvalidField) {
		t.Errorf("unknown column: err = %v, want gorm.ErrInvalidField", err)
	}

	// The translator keeps the server's message but not the *PgError
	// itself: for the constraint name and the rest, leave TranslateError
	// off (or match the message).
	err = gdb.Create(&Author{Name: "Again", Email: "u@example.com"}).Error
	var pgErr *pgmoon.PgError
	if errors.As(err, &pgErr) {
		t.Errorf("translated error %v: a *pgmoon.PgError is in its chain; update the README", err)
	}
	if !strings.Contains(err.Error(), `duplicate key value violates unique constraint "idx_authors_email"`) {
		t.Errorf("translated error %q lost the server's message", err)
	}

	plain := gdb.Session(&gorm.Session{})
	plain.Config = &gorm.Config{}
	*plain.Config = *gdb.Config
	plain.Config.TranslateError = false
	err = plain.Create(&Author{Name: "Again", Email: "u@example.com"}).Error
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" || pgErr.ConstraintName != "idx_authors_email" || pgErr.TableName != "authors" {
		t.Errorf("untranslated error: %#v", err)
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("untranslated error %v is ErrDuplicatedKey", err)
	}
}

func TestGORMPrepareStmt(t *testing.T) {
	t.Parallel()
	gdb := openGORM(t, &gorm.Config{PrepareStmt: true})
	seedLibrary(t, gdb)

	for range 3 {
		var books []Book
		if err := gdb.Where("title like ?", "The %").Order("id").Find(&books).Error; err != nil {
			t.Fatal(err)
		}
		if len(books) != 2 {
			t.Fatalf("%d books", len(books))
		}
	}
	err := gdb.Transaction(func(tx *gorm.DB) error {
		return tx.Model(&Book{}).Where("isbn = ?", "0-13-022418-9").Update("price", 12.5).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	var price float64
	if err := gdb.Model(&Book{}).Where("isbn = ?", "0-13-022418-9").Select("price").Scan(&price).Error; err != nil || price != 12.5 {
		t.Errorf("price = %v, %v", price, err)
	}
}

// TestGORMDriverNameSetting shows why gormConfig sets DriverName. With
// Conn and no DriverName, gorm.io/driver/postgres takes the connection
// for pgx's and, reading an existing table's columns (Migrator.GetRows,
// which AutoMigrate calls for every table that exists), passes
// pgx.QueryExecModeSimpleProtocol as the first query argument: pgmoon
// takes it for a parameter the statement does not have. Any DriverName
// other than "" and "pgx" (or gorm.Config{PrepareStmt: true}) avoids it.
func TestGORMDriverNameSetting(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: db}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := gdb.AutoMigrate(&Author{}); err != nil {
		t.Fatalf("first AutoMigrate (creates the table): %v", err)
	}
	err = gdb.AutoMigrate(&Author{})
	if err == nil || !strings.Contains(err.Error(), "the statement has 1 parameters but 2 arguments were given") {
		t.Errorf("second AutoMigrate without DriverName: err = %v; if it now works, update README.md", err)
	}

	gdb, err = gorm.Open(postgres.New(gormConfig(db)), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := gdb.AutoMigrate(&Author{}); err != nil {
		t.Errorf("AutoMigrate with DriverName: %v", err)
	}
}

// withSetting adds a keyword to a connection string of either form.
func withSetting(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + key + "=" + value
	}
	return dsn + " " + key + "=" + value
}

// TestGORMExecModes runs GORM over each of pgmoon's exec modes, chosen in
// the connection string (default_query_exec_mode): GORM's own
// PreferSimpleProtocol only configures a connection the dialector opens
// with pgx, and does nothing to a Conn given to it.
func TestGORMExecModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dsn := withSetting(pgtest.Default(t).NewDatabase(t), "default_query_exec_mode", mode)
			db, err := sql.Open("pgmoon", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			gdb, err := gorm.Open(postgres.New(gormConfig(db)), &gorm.Config{Logger: logger.Discard, TranslateError: true})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second run reads the tables back
				if err := gdb.AutoMigrate(&Author{}, &Book{}, &Review{}); err != nil {
					t.Fatalf("AutoMigrate: %v", err)
				}
			}
			authors := seedLibrary(t, gdb)
			published := time.Date(1984, 1, 1, 12, 30, 0, 0, time.UTC)
			pages := 7
			err = gdb.Model(&Book{}).Where("id = ?", authors[1].Books[0].ID).
				Updates(Book{Cover: []byte{0, 1, 0xff}, PublishedAt: &published, Pages: &pages, Price: 1.25}).Error
			if err != nil {
				t.Fatal(err)
			}
			var got []Author
			if err := gdb.Preload("Books.Reviews").Order("name").Find(&got).Error; err != nil {
				t.Fatal(err)
			}
			wirth := got[0].Books[0]
			if len(got) != 2 || len(got[1].Books) != 2 || string(wirth.Cover) != "\x00\x01\xff" ||
				wirth.PublishedAt == nil || !wirth.PublishedAt.Equal(published) || *wirth.Pages != 7 || wirth.Price != 1.25 {
				t.Errorf("read back: %+v", got)
			}
			err = gdb.Create(&Author{Name: "Dup", Email: "r@example.com"}).Error
			if !errors.Is(err, gorm.ErrDuplicatedKey) {
				t.Errorf("duplicate: err = %v", err)
			}
			err = gdb.Transaction(func(tx *gorm.DB) error {
				if err := tx.Create(&Author{Name: "In tx", Email: "tx@example.com"}).Error; err != nil {
					return err
				}
				_ = tx.Transaction(func(tx2 *gorm.DB) error {
					return tx2.Create(&Book{Title: "orphan", ISBN: "o", AuthorID: 12345}).Error
				})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := gdb.Model(&Author{}).Count(&n).Error; err != nil || n != 3 {
				t.Errorf("authors: %d, %v", n, err)
			}
		})
	}
}

// TestGORMErrorTranslatorContract pins down what gorm.io/driver/postgres's
// Translate needs from an error: it type-asserts pgx's *pgconn.PgError and
// otherwise JSON-marshals the error and reads its top-level "Code" (and
// "Message"). *pgmoon.PgError marshals with both, whatever else it holds;
// it must reach GORM as it is, not wrapped: errors.As is not used.
func TestGORMErrorTranslatorContract(t *testing.T) {
	t.Parallel()
	d := postgres.Dialector{Config: &postgres.Config{}}
	for code, want := range map[string]error{
		"23505": gorm.ErrDuplicatedKey,
		"23503": gorm.ErrForeignKeyViolated,
		"23514": gorm.ErrCheckConstraintViolated,
		"42703": gorm.ErrInvalidField,
	} {
		e := &pgmoon.PgError{Severity: "ERROR", Code: code, Message: "m " + code, Detail: "d", Position: 3,
			Unknown: map[byte]string{'X': "a field this version does not know"}}
		got := d.Translate(e)
		if !errors.Is(got, want) || !strings.Contains(got.Error(), "m "+code) {
			t.Errorf("Translate(%s) = %v, want %v with the message", code, got, want)
		}
		if wrapped := fmt.Errorf("op: %w", e); d.Translate(wrapped) != wrapped {
			t.Errorf("Translate of a wrapped %s translated it: the README says it does not", code)
		}
	}
	other := &pgmoon.PgError{Code: "40001", Message: "serialization failure"}
	if got := d.Translate(other); got != other {
		t.Errorf("Translate(40001) = %v, want the error unchanged", got)
	}
}
