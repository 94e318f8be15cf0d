package cli

import (
	"fmt"
	"strings"
)

// Action is one -c or -f option, run in command-line order as psql does.
type Action struct {
	File  bool   // -f: Value is a file name ("-" is standard input)
	Value string // -c: the command text
}

// Options are the parsed command-line arguments.
type Options struct {
	Actions  []Action
	DBName   string // -d or the first positional argument; may be a connection string
	Host     string
	Port     string
	User     string
	Password string // never set from flags; filled by a prompt

	NoPassword    bool // -w
	ForcePassword bool // -W
	Vars          [][2]string
	PSet          [][2]string // -P name=value, -A, -F, -R, -t, -x, --csv, --json
	Quiet         bool
	SingleTx      bool // -1
	Output        string
	Echo          string // ECHO: "all" (-a), "queries" (-e), "errors" (-b)
	EchoHidden    bool   // -E
	List          bool   // -l
	Version       bool
	Help          bool
	Ephemeral     bool
	NoReadline    bool
}

// Usage is the --help text.
const Usage = `pgmoon-cli is a PostgreSQL interactive terminal written in pure Go,
with psql's options, meta-commands and output formats.

Usage:
  pgmoon-cli [OPTION]... [DBNAME [USERNAME]]

General options:
  -c, --command=COMMAND    run only single command (SQL or internal) and exit
  -d, --dbname=DBNAME      database name or connection string to connect to
  -f, --file=FILENAME      execute commands from file, then exit
  -l, --list               list available databases, then exit
  -v, --set=, --variable=NAME=VALUE
                           set psql-style variable NAME to VALUE
                           (e.g., -v ON_ERROR_STOP=1)
  -V, --version            output version information, then exit
  -X, --no-psqlrc          accepted; pgmoon-cli reads no startup file
  -1 ("one"), --single-transaction
                           execute as a single transaction (if non-interactive)
  -?, --help               show this help, then exit
      --ephemeral          start a throwaway PostgreSQL server (local binaries
                           or Docker, through pgtest), connect to it, and
                           remove it on exit

Input and output options:
  -a, --echo-all           echo all input from script
  -b, --echo-errors        echo failed commands
  -e, --echo-queries       echo commands sent to server
  -E, --echo-hidden        display queries that internal commands generate
  -n, --no-readline        disable enhanced command line editing
  -o, --output=FILENAME    send query results to file
  -q, --quiet              run quietly (no messages, only query output)

Output format options:
  -A, --no-align           unaligned table output mode
      --csv                CSV (Comma-Separated Values) table output mode
      --json               JSON array output mode (one object per row)
      --json-lines         JSON lines output mode (one object per line)
  -F, --field-separator=STRING
                           field separator for unaligned output (default: "|")
  -P, --pset=VAR[=ARG]     set printing option VAR to ARG (see \pset command)
  -R, --record-separator=STRING
                           record separator for unaligned output (default: newline)
  -t, --tuples-only        print rows only
  -x, --expanded           turn on expanded table output
  -z, --field-separator-zero
                           set field separator for unaligned output to zero byte
  -0, --record-separator-zero
                           set record separator for unaligned output to zero byte

Connection options:
  -h, --host=HOSTNAME      database server host or socket directory
  -p, --port=PORT          database server port
  -U, --username=USERNAME  database user name
  -w, --no-password        never prompt for password
  -W, --password           force password prompt (should happen automatically)

The PG* environment variables, ~/.pgpass and ~/.pg_service.conf work as in psql.
Exit status: 0 ok, 1 fatal error, 2 bad connection, 3 error in a script with
ON_ERROR_STOP set.
`

// ParseArgs parses psql-style arguments. Short options may be clustered
// (-At), take their value attached (-c'select 1') or as the next argument;
// long options take --name=value or --name value.
func ParseArgs(args []string) (*Options, error) {
	o := &Options{}
	var positional []string
	type spec struct {
		short byte
		long  string
		arg   bool
	}
	specs := []spec{
		{'c', "command", true}, {'d', "dbname", true}, {'f', "file", true},
		{'l', "list", false}, {'v', "set", true}, {'v', "variable", true},
		{'V', "version", false}, {'X', "no-psqlrc", false}, {'1', "single-transaction", false},
		{'?', "help", false}, {0, "ephemeral", false},
		{'a', "echo-all", false}, {'b', "echo-errors", false}, {'e', "echo-queries", false},
		{'E', "echo-hidden", false}, {'n', "no-readline", false}, {'o', "output", true},
		{'q', "quiet", false}, {'A', "no-align", false}, {0, "csv", false}, {0, "json", false},
		{0, "json-lines", false}, {'F', "field-separator", true}, {'P', "pset", true},
		{'R', "record-separator", true}, {'t', "tuples-only", false}, {'x', "expanded", false},
		{'z', "field-separator-zero", false}, {'0', "record-separator-zero", false},
		{'h', "host", true}, {'p', "port", true}, {'U', "username", true},
		{'w', "no-password", false}, {'W', "password", false},
	}
	apply := func(s spec, val string) error {
		switch s.long {
		case "command":
			o.Actions = append(o.Actions, Action{Value: val})
		case "file":
			o.Actions = append(o.Actions, Action{File: true, Value: val})
		case "dbname":
			o.DBName = val
		case "list":
			o.List = true
		case "set", "variable":
			name, value, ok := strings.Cut(val, "=")
			if name == "" {
				return fmt.Errorf("invalid variable name: %q", val)
			}
			if !ok {
				// psql: -v NAME without '=' unsets NAME.
				o.Vars = append(o.Vars, [2]string{name, "\x00unset"})
			} else {
				o.Vars = append(o.Vars, [2]string{name, value})
			}
		case "version":
			o.Version = true
		case "no-psqlrc":
		case "single-transaction":
			o.SingleTx = true
		case "help":
			o.Help = true
		case "ephemeral":
			o.Ephemeral = true
		case "echo-all":
			o.Echo = "all"
		case "echo-errors":
			o.Echo = "errors"
		case "echo-queries":
			o.Echo = "queries"
		case "echo-hidden":
			o.EchoHidden = true
		case "no-readline":
			o.NoReadline = true
		case "output":
			o.Output = val
		case "quiet":
			o.Quiet = true
		case "no-align":
			o.PSet = append(o.PSet, [2]string{"format", "unaligned"})
		case "csv":
			o.PSet = append(o.PSet, [2]string{"format", "csv"})
		case "json":
			o.PSet = append(o.PSet, [2]string{"format", "json"})
		case "json-lines":
			o.PSet = append(o.PSet, [2]string{"format", "json-lines"})
		case "field-separator":
			o.PSet = append(o.PSet, [2]string{"fieldsep", val})
		case "pset":
			name, value, ok := strings.Cut(val, "=")
			if !ok {
				value = "\x00toggle"
			}
			o.PSet = append(o.PSet, [2]string{name, value})
		case "record-separator":
			o.PSet = append(o.PSet, [2]string{"recordsep", val})
		case "tuples-only":
			o.PSet = append(o.PSet, [2]string{"tuples_only", "on"})
		case "expanded":
			o.PSet = append(o.PSet, [2]string{"expanded", "on"})
		case "field-separator-zero":
			o.PSet = append(o.PSet, [2]string{"fieldsep_zero", "on"})
		case "record-separator-zero":
			o.PSet = append(o.PSet, [2]string{"recordsep_zero", "on"})
		case "host":
			o.Host = val
		case "port":
			o.Port = val
		case "username":
			o.User = val
		case "no-password":
			o.NoPassword = true
		case "password":
			o.ForcePassword = true
		}
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			var found *spec
			for k := range specs {
				if specs[k].long == name {
					found = &specs[k]
					break
				}
			}
			if found == nil {
				return nil, fmt.Errorf("unrecognized option '%s'", a)
			}
			if found.arg && !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				val = args[i]
			} else if !found.arg && hasVal {
				return nil, fmt.Errorf("option '--%s' doesn't allow an argument", name)
			}
			if err := apply(*found, val); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				var found *spec
				for k := range specs {
					if specs[k].short == a[j] {
						found = &specs[k]
						break
					}
				}
				if found == nil {
					return nil, fmt.Errorf("invalid option -- '%c'", a[j])
				}
				val := ""
				if found.arg {
					if j+1 < len(a) {
						val = a[j+1:]
					} else if i+1 < len(args) {
						i++
						val = args[i]
					} else {
						return nil, fmt.Errorf("option requires an argument -- '%c'", a[j])
					}
					j = len(a)
				}
				if err := apply(*found, val); err != nil {
					return nil, err
				}
			}
		default:
			positional = append(positional, a)
		}
	}
	switch {
	case len(positional) > 2:
		return nil, fmt.Errorf("extra command-line argument \"%s\" ignored", positional[2])
	case len(positional) == 2:
		if o.User == "" {
			o.User = positional[1]
		}
		fallthrough
	case len(positional) == 1:
		if o.DBName == "" {
			o.DBName = positional[0]
		}
	}
	return o, nil
}
