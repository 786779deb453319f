package common

// Layout constants of the dashboard, in terminal cells.
const (
	// HeaderHeight is the tab bar.
	HeaderHeight = 1
	// FooterHeight is the status line and the short help line.
	FooterHeight = 2
	// MinWidth and MinHeight are the smallest size drawn; below it the
	// dashboard asks for a larger terminal.
	MinWidth  = 40
	MinHeight = 10
	// SplitWidth is the width from which a list and its detail pane are
	// shown side by side; narrower, the detail pane replaces the list.
	SplitWidth = 110
	// ListShare is the list's share (percent) of the width when split.
	ListShare = 45
	// SideWidth is the width of the order and parcel column beside a
	// thread's messages.
	SideWidth = 30
	// LogLines is how many log lines a job keeps.
	LogLines = 200
	// RefreshSeconds is how often the dashboard rereads the database.
	RefreshSeconds = 5
	// DialogWidth is the width of a confirmation dialog.
	DialogWidth = 60
)
