package localdb

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func fakeEnv(goos string, vars map[string]string, home string) env {
	return env{
		goos:   goos,
		getenv: func(k string) string { return vars[k] },
		home: func() (string, error) {
			if home == "" {
				return "", errors.New("no home")
			}
			return home, nil
		},
		config: func() (string, error) {
			switch goos {
			case "darwin":
				return filepath.Join(home, "Library", "Application Support"), nil
			case "windows":
				if v := vars["AppData"]; v != "" {
					return v, nil
				}
				return "", errors.New("%AppData% is not defined")
			}
			return filepath.Join(home, ".config"), nil
		},
	}
}

func TestPaths(t *testing.T) {
	home := filepath.Join(string(filepath.Separator)+"home", "ana")
	xdgData := filepath.Join(string(filepath.Separator)+"xdg", "data")
	xdgConf := filepath.Join(string(filepath.Separator)+"xdg", "conf")
	cases := []struct {
		name             string
		e                env
		data, conf, dbfn string
	}{
		{"linux defaults", fakeEnv("linux", nil, home),
			filepath.Join(home, ".local", "share", "sellerops"), filepath.Join(home, ".config", "sellerops"),
			filepath.Join(home, ".local", "share", "sellerops", "sellerops.db")},
		{"linux XDG", fakeEnv("linux", map[string]string{"XDG_DATA_HOME": xdgData, "XDG_CONFIG_HOME": xdgConf}, home),
			filepath.Join(xdgData, "sellerops"), filepath.Join(xdgConf, "sellerops"),
			filepath.Join(xdgData, "sellerops", "sellerops.db")},
		{"linux relative XDG ignored", fakeEnv("linux", map[string]string{"XDG_DATA_HOME": "rel/data", "XDG_CONFIG_HOME": "rel"}, home),
			filepath.Join(home, ".local", "share", "sellerops"), filepath.Join(home, ".config", "sellerops"),
			filepath.Join(home, ".local", "share", "sellerops", "sellerops.db")},
		{"SELLEROPS_DB wins", fakeEnv("linux", map[string]string{"SELLEROPS_DB": "my.db", "XDG_DATA_HOME": xdgData}, home),
			filepath.Join(xdgData, "sellerops"), filepath.Join(home, ".config", "sellerops"), "my.db"},
		{"macOS", fakeEnv("darwin", map[string]string{"XDG_DATA_HOME": xdgData}, home),
			filepath.Join(home, "Library", "Application Support", "sellerops"),
			filepath.Join(home, "Library", "Application Support", "sellerops"),
			filepath.Join(home, "Library", "Application Support", "sellerops", "sellerops.db")},
		{"windows", fakeEnv("windows", map[string]string{"LocalAppData": `C:\Users\ana\AppData\Local`, "AppData": `C:\Users\ana\AppData\Roaming`}, home),
			filepath.Join(`C:\Users\ana\AppData\Local`, "sellerops"), filepath.Join(`C:\Users\ana\AppData\Roaming`, "sellerops"),
			filepath.Join(`C:\Users\ana\AppData\Local`, "sellerops", "sellerops.db")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := dataDir(c.e)
			if err != nil || d != c.data {
				t.Errorf("dataDir = %q, %v; want %q", d, err, c.data)
			}
			cf, err := configDir(c.e)
			if err != nil || cf != c.conf {
				t.Errorf("configDir = %q, %v; want %q", cf, err, c.conf)
			}
			p, err := defaultDBPath(c.e)
			if err != nil || p != c.dbfn {
				t.Errorf("defaultDBPath = %q, %v; want %q", p, err, c.dbfn)
			}
		})
	}
}

func TestPathsNoHome(t *testing.T) {
	_, err := dataDir(fakeEnv("linux", nil, ""))
	if err == nil {
		t.Fatal("dataDir without HOME or XDG_DATA_HOME: want an error")
	}
	if want := "XDG_DATA_HOME"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q should name %s", err, want)
	}
}

func TestDefaultDBPathFromProcessEnv(t *testing.T) {
	want := filepath.Join(t.TempDir(), "x.db")
	t.Setenv(EnvDB, want)
	got, err := DefaultDBPath()
	if err != nil || got != want {
		t.Fatalf("DefaultDBPath = %q, %v; want %q", got, err, want)
	}
	t.Setenv(EnvDB, "")
	dataHome := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dataHome)
	got, err = DataDir()
	if err != nil {
		t.Fatal(err)
	}
	want = filepath.Join(dataHome, "sellerops")
	if runtime.GOOS != "linux" {
		want, _ = dataDir(osEnv())
	}
	if got != want {
		t.Errorf("DataDir = %q, want %q", got, want)
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "a", "b")
	if err := EnsurePrivateDir(p); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("mode = %04o, want 0700", st.Mode().Perm())
	}
	// A file in the way is reported with a fix.
	f := filepath.Join(root, "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := EnsurePrivateDir(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("EnsurePrivateDir(file) = %v, want a not-a-directory error", err)
	}
}
