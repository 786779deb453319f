package main

import (
	"context"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/mcpserver"
)

type mcpOptions struct{}

func newMCPCmd(f *factory) *cobra.Command {
	var opts mcpOptions
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve sellerops's tools to AI agents over the Model Context Protocol (stdio)",
		Long: strings.TrimSpace(`
Serve the Model Context Protocol on standard input and output, for an agent
(Claude Desktop, an IDE, a script with an MCP client) to start as a
subprocess. Tools:

  detect_carrier         carrier and format of tracking numbers (no network)
  track_parcels          look parcels up and store the results
  list_overdue_threads   open buyer threads past their reply deadline
  read_thread            one thread with its messages, order and parcel
                         (and translations, when a provider is set)
  fill_template          a reply template filled for a thread, in the
                         language chosen for it (nothing is sent)
  list_claim_candidates  parcels that qualify for a lost or damaged claim
  draft_claim            draft a claim locally (nothing is sent)
  send_reply             only with agents.allow_send_replies: true
  file_claim             only with agents.allow_file_claims: true

While send_reply or file_claim is not allowed it is not listed, and a call
to it is refused with the setting that allows it. Standard output carries
only the protocol; logs go to the log file.`),
		Example: strings.Join([]string{
			"  sellerops mcp",
			`  # in an MCP client's configuration: {"command": "sellerops", "args": ["mcp"]}`,
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return mcpRun(cmd.Context(), f, &opts)
		},
	}
	return cmd
}

func mcpRun(ctx context.Context, f *factory, _ *mcpOptions) error {
	deps, err := mcpDeps(ctx, f)
	if err != nil {
		return err
	}
	f.Logger().Info("mcp server started")
	// Requests read before the client closes stdin are still answered.
	in, out := mcpserver.StdioPipes(ctx, f.IO.In, f.IO.Out)
	t := &mcp.IOTransport{Reader: in, Writer: out}
	err = mcpserver.Serve(ctx, deps, t)
	f.Logger().Info("mcp server stopped")
	return err
}
