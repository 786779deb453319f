package localdb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// AppName is the directory name used under the data and config directories.
const AppName = "sellerops"

// DBFileName is the database file's name inside DataDir.
const DBFileName = "sellerops.db"

// EnvDB names the environment variable that overrides DefaultDBPath.
const EnvDB = "SELLEROPS_DB"

// env abstracts the process environment so that the path rules can be tested
// for every operating system on any of them.
type env struct {
	goos   string
	getenv func(string) string
	home   func() (string, error)
	config func() (string, error)
}

func osEnv() env { return envFrom(os.Getenv) }

// envFrom reads the variables through getenv; HOME comes from getenv too,
// falling back to the process's home directory when getenv has none.
func envFrom(getenv func(string) string) env {
	return env{
		goos:   runtime.GOOS,
		getenv: getenv,
		home: func() (string, error) {
			if h := getenv("HOME"); h != "" {
				return h, nil
			}
			return os.UserHomeDir()
		},
		config: os.UserConfigDir, // used on macOS and Windows only
	}
}

// DataDir returns the directory for the database, evidence and reports:
// $XDG_DATA_HOME/sellerops or ~/.local/share/sellerops on Linux and other
// Unix systems, ~/Library/Application Support/sellerops on macOS and
// %LocalAppData%\sellerops on Windows. It does not create the directory.
func DataDir() (string, error) { return dataDir(osEnv()) }

// ConfigDir returns the directory for the config file and recipe overrides:
// $XDG_CONFIG_HOME/sellerops or ~/.config/sellerops on Linux and other Unix
// systems, and os.UserConfigDir()/sellerops on macOS and Windows. It does not
// create the directory.
func ConfigDir() (string, error) { return configDir(osEnv()) }

// DataDirEnv and ConfigDirEnv are DataDir and ConfigDir with the
// environment read through getenv, for a caller that keeps its own.
func DataDirEnv(getenv func(string) string) (string, error) { return dataDir(envFrom(getenv)) }

// ConfigDirEnv: see DataDirEnv.
func ConfigDirEnv(getenv func(string) string) (string, error) { return configDir(envFrom(getenv)) }

// DefaultDBPath returns $SELLEROPS_DB when it is set, and otherwise
// DataDir()/sellerops.db.
func DefaultDBPath() (string, error) { return defaultDBPath(osEnv()) }

func dataDir(e env) (string, error) {
	switch e.goos {
	case "windows":
		if d := e.getenv("LocalAppData"); d != "" {
			return filepath.Join(d, AppName), nil
		}
		d, err := e.config()
		if err != nil {
			return "", fmt.Errorf("find data directory: %w; set %s to the database file's path", err, EnvDB)
		}
		return filepath.Join(d, AppName), nil
	case "darwin", "ios":
		d, err := e.config() // ~/Library/Application Support
		if err != nil {
			return "", fmt.Errorf("find data directory: %w; set %s to the database file's path", err, EnvDB)
		}
		return filepath.Join(d, AppName), nil
	default:
		return xdgDir(e, "XDG_DATA_HOME", filepath.Join(".local", "share"))
	}
}

func configDir(e env) (string, error) {
	switch e.goos {
	case "windows", "darwin", "ios":
		d, err := e.config()
		if err != nil {
			return "", fmt.Errorf("find config directory: %w; pass --config FILE", err)
		}
		return filepath.Join(d, AppName), nil
	default:
		return xdgDir(e, "XDG_CONFIG_HOME", ".config")
	}
}

// xdgDir follows the XDG base directory rules: the variable when it holds an
// absolute path (relative values are ignored, as the specification says),
// otherwise the fallback under the home directory.
func xdgDir(e env, variable, fallback string) (string, error) {
	if d := e.getenv(variable); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, AppName), nil
	}
	home, err := e.home()
	if err != nil || home == "" {
		if err == nil {
			err = errors.New("home directory unknown")
		}
		return "", fmt.Errorf("find %s: %w; set %s or HOME", variable, err, variable)
	}
	return filepath.Join(home, fallback, AppName), nil
}

func defaultDBPath(e env) (string, error) {
	if p := e.getenv(EnvDB); p != "" {
		return p, nil
	}
	d, err := dataDir(e)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, DBFileName), nil
}

// EnsurePrivateDir creates path, and any missing parents, as a directory
// that only its owner can read. A directory that already exists is left as
// it is (it may be shared on purpose); Check reports the database file's
// own mode.
func EnsurePrivateDir(path string) error {
	st, err := os.Stat(path)
	if err == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s exists and is not a directory; move it away or choose another path", path)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("inspect directory %s: %w", path, err)
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w; check the permissions of its parent", path, err)
	}
	// The umask may have narrowed or, on odd setups, MkdirAll may have
	// raced with another creator; make the leaf we asked for exactly 0700.
	if err := os.Chmod(path, 0o700); err != nil {
		return fmt.Errorf("set mode 0700 on %s: %w", path, err)
	}
	return nil
}
