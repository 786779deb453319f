// Command sellerops is a local-first terminal for small cross-border sellers:
// one inbox for buyer messages, parcel tracking, and carrier claims, driven
// through the sites in a headless browser and kept in a local SQLite file.
package main

import "os"

func main() { os.Exit(int(run())) }
