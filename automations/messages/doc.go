// Package messages holds the rules of buyer messages that every surface
// shares and that need no browser: each marketplace's reply deadline, the
// reply templates and the values they are filled with from the local
// database, and the detection of the language a buyer writes in.
//
// The browser flows of package marketplace, the command line, the
// dashboard and the MCP server all read these rules from here.
package messages
