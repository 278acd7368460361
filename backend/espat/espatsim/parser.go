package espatsim

import (
	"strconv"
	"strings"
)

// form is which of the four AT command forms a line uses.
type form int

const (
	formExec  form = iota // AT+X
	formQuery             // AT+X?
	formTest              // AT+X=?
	formSet               // AT+X=<params>
)

// param is one parameter of a set command.
type param struct {
	s      string // value, with escapes removed when quoted
	quoted bool
	empty  bool // omitted: nothing between the commas
}

// command is a parsed command line.
type command struct {
	name   string // "" for AT, "E0" for ATE0, "+CIPSEND" for AT+CIPSEND
	form   form
	params []param
}

// parseLine parses one command line (without its line terminator). It
// returns an ERR CODE subcategory on failure.
func parseLine(line []byte) (*command, error) {
	s := string(line)
	if !strings.HasPrefix(s, "AT") {
		return nil, errNoAT
	}
	s = s[2:]
	if s == "" || s[0] != '+' {
		if strings.ContainsAny(s, "=?,\"") {
			return nil, errParse
		}
		return &command{name: s}, nil
	}
	n := 1
	for n < len(s) && isNameByte(s[n]) {
		n++
	}
	if n == 1 {
		return nil, errParse
	}
	c := &command{name: s[:n]}
	rest := s[n:]
	switch {
	case rest == "":
		c.form = formExec
	case rest == "?":
		c.form = formQuery
	case rest == "=?":
		c.form = formTest
	case rest[0] == '=':
		c.form = formSet
		ps, err := parseParams(rest[1:])
		if err != nil {
			return nil, err
		}
		c.params = ps
	default:
		return nil, errParse
	}
	return c, nil
}

func isNameByte(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

// parseParams splits the text after '=' into parameters. Quoted strings
// may contain commas; inside them a backslash takes the next byte
// literally (\, \" \\), and a backslash before any other byte is dropped.
func parseParams(s string) ([]param, error) {
	var ps []param
	for {
		var p param
		var err error
		if strings.HasPrefix(s, "\"") {
			p, s, err = parseQuoted(s[1:])
			if err != nil {
				return nil, err
			}
		} else {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			p = param{s: s[:i], empty: i == 0}
			if strings.ContainsAny(p.s, "\"\\") {
				return nil, errParse
			}
			s = s[i:]
		}
		ps = append(ps, p)
		if s == "" {
			return ps, nil
		}
		if s[0] != ',' {
			return nil, errParse
		}
		s = s[1:]
	}
}

// parseQuoted reads a quoted string whose opening quote is already
// consumed and returns the text after the closing quote.
func parseQuoted(s string) (param, string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			i++
			if i == len(s) {
				return param{}, "", errParse
			}
			b.WriteByte(s[i])
		case '"':
			return param{s: b.String(), quoted: true}, s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return param{}, "", errParse
}

// String formats c as a canonical command line (without terminator) that
// parses back to c.
func (c *command) String() string {
	var b strings.Builder
	b.WriteString("AT")
	b.WriteString(c.name)
	switch c.form {
	case formQuery:
		b.WriteString("?")
	case formTest:
		b.WriteString("=?")
	case formSet:
		b.WriteString("=")
		for i, p := range c.params {
			if i > 0 {
				b.WriteByte(',')
			}
			if p.quoted {
				b.WriteString(quoteParam(p.s))
			} else {
				b.WriteString(p.s)
			}
		}
	}
	return b.String()
}

// quoteParam quotes s as an AT string parameter, escaping \ , and ".
func quoteParam(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', ',', '"':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// has reports whether parameter i is present (given and not empty).
func (c *command) has(i int) bool {
	return i < len(c.params) && !c.params[i].empty
}

// nparams is the number of parameters, counting omitted ones.
func (c *command) nparams() int { return len(c.params) }

// int returns parameter i as an integer in [lo, hi].
func (c *command) int(i, lo, hi int) (int, error) {
	if !c.has(i) {
		return 0, errParamCount
	}
	p := c.params[i]
	if p.quoted {
		return 0, errParamType
	}
	v, err := strconv.Atoi(p.s)
	if err != nil {
		return 0, errParamType
	}
	if v < lo || v > hi {
		return 0, errParamInvalid
	}
	return v, nil
}

// intOr is int, with def when parameter i is absent or omitted.
func (c *command) intOr(i, def, lo, hi int) (int, error) {
	if !c.has(i) {
		return def, nil
	}
	return c.int(i, lo, hi)
}

// str returns parameter i, which must be a quoted string of at most max
// bytes.
func (c *command) str(i, max int) (string, error) {
	if !c.has(i) {
		return "", errParamCount
	}
	p := c.params[i]
	if !p.quoted {
		return "", errParamType
	}
	if len(p.s) > max {
		return "", errParamLength
	}
	return p.s, nil
}

// strOr is str, with def when parameter i is absent or omitted.
func (c *command) strOr(i int, def string, max int) (string, error) {
	if !c.has(i) {
		return def, nil
	}
	return c.str(i, max)
}

// maxParams fails when more than n parameters were given.
func (c *command) maxParams(n int) error {
	if len(c.params) > n {
		return errParamCount
	}
	return nil
}
