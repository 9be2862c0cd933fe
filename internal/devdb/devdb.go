// Package devdb runs a private PostgreSQL cluster for development and tests:
// one data directory (git-ignored, inside the checkout for `make run`, a
// temporary one for tests), listening only on 127.0.0.1 on a free port,
// trust authentication, database "civica".
//
// The cluster's superuser is "postgres"; Civica connects as "civica", which
// owns its databases and may create roles and databases but is no superuser,
// so row-level security applies to it as it would in production.
//
// It is never used in production, where CIVICA_DATABASE_URL points at a real
// server. initdb and postgres refuse to run as root, so when the process is
// root they run as the "postgres" system user through runuser, and the data
// directory (and search permission on its parents) is arranged for that user.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Cluster is a running private PostgreSQL.
type Cluster struct {
	Dir  string // data directory
	Port int
	bin  string
	sys  string // system user postgres runs as ("" = the current one)
}

// URL is the connection string of the cluster's civica database.
func (c *Cluster) URL() string { return c.DatabaseURL("civica") }

// DatabaseURL is the connection string of another database in the cluster.
func (c *Cluster) DatabaseURL(name string) string {
	return fmt.Sprintf("postgres://civica@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// SuperuserURL is the connection string of a database as the cluster's
// superuser, for tools that must see past row-level security (the
// benchmark's bulk seeding); the application never uses it.
func (c *Cluster) SuperuserURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// BinDir finds the directory of PostgreSQL's server programs: the one of
// initdb on PATH, else the newest /usr/lib/postgresql/<v>/bin.
func BinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", errors.New("PostgreSQL server programs not found (initdb): install the Debian package postgresql")
	}
	best, bestV := "", -1
	for _, m := range matches {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if v > bestV {
			best, bestV = m, v
		}
	}
	return filepath.Dir(best), nil
}

// Start creates the cluster in dir if it does not exist yet, then starts it on
// a free local port (preferring the one it used last time) and makes sure the
// database "civica" exists. A cluster left running by a crashed run is
// stopped first.
func Start(ctx context.Context, dir string) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		c.sys = "postgres"
	}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.run(ctx, "initdb", "-D", dir, "-U", "postgres", "--auth=trust",
			"--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
			return nil, fmt.Errorf("initdb: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err == nil {
		_ = c.run(ctx, "pg_ctl", "-D", dir, "stop", "-m", "fast", "-w")
	}
	c.Port = freePort(readPort(dir))
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200", c.Port)
	if err := c.run(ctx, "pg_ctl", "-D", dir, "-l", filepath.Join(dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("start PostgreSQL (log: %s): %w", filepath.Join(dir, "server.log"), err)
	}
	_ = os.WriteFile(filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".port"), []byte(strconv.Itoa(c.Port)), 0o644)
	if err := c.bootstrap(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// bootstrap creates the civica role and database unless they exist.
func (c *Cluster) bootstrap(ctx context.Context) error {
	out, err := c.psql(ctx, "postgres", "postgres", "SELECT 1 FROM pg_roles WHERE rolname = 'civica'")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "1" {
		if _, err := c.psql(ctx, "postgres", "postgres", "CREATE ROLE civica LOGIN CREATEDB CREATEROLE"); err != nil {
			return err
		}
	}
	return c.CreateDatabase(ctx, "civica")
}

// CreateDatabase creates a database in the cluster unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	out, err := c.psql(ctx, "civica", "postgres", "SELECT 1 FROM pg_database WHERE datname = '"+name+"'")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) == "1" {
		return nil
	}
	_, err = c.psql(ctx, "civica", "postgres", `CREATE DATABASE "`+name+`"`)
	return err
}

// Stop shuts the cluster down (fast mode: sessions are closed, data is safe).
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.run(ctx, "pg_ctl", "-D", c.Dir, "stop", "-m", "fast", "-w")
}

func (c *Cluster) psql(ctx context.Context, user, database, sql string) (string, error) {
	cmd := exec.CommandContext(ctx, "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", user, "-d", database, "-c", sql)
	if _, err := exec.LookPath("psql"); err != nil {
		cmd.Path = filepath.Join(c.bin, "psql")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql %q: %w: %s", sql, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// run executes one of PostgreSQL's programs, as the postgres system user when
// we are root.
func (c *Cluster) run(ctx context.Context, program string, args ...string) error {
	path := filepath.Join(c.bin, program)
	var cmd *exec.Cmd
	if c.sys != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.sys, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", program, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// prepareDir makes the data directory's parent exist and, when postgres runs
// as another system user, hands the data directory to that user and gives it
// search permission on the parents (a checkout under a private temporary
// directory would otherwise be unreachable for it).
func (c *Cluster) prepareDir() error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	if c.sys == "" {
		return nil
	}
	u, err := user.Lookup(c.sys)
	if err != nil {
		return fmt.Errorf("PostgreSQL cannot run as root and there is no %q user: install the Debian package postgresql: %w", c.sys, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(c.Dir, uid, gid); err != nil {
		return err
	}
	for p := filepath.Dir(c.Dir); p != "/"; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("let %s reach %s: %w", c.sys, c.Dir, err)
			}
		}
	}
	return nil
}

func readPort(dir string) int {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".port"))
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return p
}

// freePort returns preferred if it can be bound on 127.0.0.1, otherwise a
// port the kernel picks.
func freePort(preferred int) int {
	if preferred > 0 {
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", preferred)); err == nil {
			l.Close()
			return preferred
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 55432
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
