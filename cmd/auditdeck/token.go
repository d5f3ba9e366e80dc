package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/spf13/cobra"
)

func newTokenCmd(g *globalFlags) *cobra.Command {
	root := &cobra.Command{Use: "token", Short: "API tokens: create, list, revoke (works while serve runs)",
		Long: `API tokens authenticate scripts to the HTTP API of auditdeck serve
(Authorization: Bearer TOKEN, Authorization: TOKEN or X-Auth-Token: TOKEN).
The store keeps only a SHA-256 digest of each token: create prints it once.
A token acts as its user with the user's role in the users file of serve
(capped by --role, if given); removing the user from that file disables
their tokens.`}
	withTokens := func(run func(ctx context.Context, t *access.Tokens, a core.Actor, args []string, out io.Writer) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			return run(cmd.Context(), access.NewTokens(eng), localActor(""), args, cmd.OutOrStdout())
		}
	}
	var user, role, expires string
	create := &cobra.Command{Use: "create --user U [--role R] [--expires 90d]", Short: "Create a token and print it once", Args: cobra.NoArgs,
		RunE: withTokens(func(ctx context.Context, t *access.Tokens, a core.Actor, _ []string, out io.Writer) error {
			if user == "" {
				return fmt.Errorf("--user is required")
			}
			ttl, err := access.ParseTTL(expires)
			if err != nil {
				return fmt.Errorf("--expires: %w", err)
			}
			var r access.Role
			if role != "" {
				if r, err = access.ParseRole(role); err != nil {
					return fmt.Errorf("--role: %w", err)
				}
			}
			plain, rec, err := t.Create(ctx, a, access.TokenRequest{User: user, Role: r, TTL: ttl})
			if err != nil {
				return err
			}
			exp := "never"
			if !rec.ExpiresAt.IsZero() {
				exp = rec.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(out, "token %s for %s, expires %s; it is shown only now:\n%s\n", rec.ID, rec.User, exp, plain)
			return nil
		})}
	create.Flags().StringVar(&user, "user", "", "the user the token acts as")
	create.Flags().StringVar(&role, "role", "", "cap the token at this role (viewer, operator or admin)")
	create.Flags().StringVar(&expires, "expires", "", "lifetime, like 90d or 12h (default: never)")
	list := &cobra.Command{Use: "list", Short: "List tokens (never the tokens themselves)", Args: cobra.NoArgs,
		RunE: withTokens(func(ctx context.Context, t *access.Tokens, _ core.Actor, _ []string, out io.Writer) error {
			toks, err := t.List(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSER\tROLE CAP\tCREATED\tEXPIRES\tCREATED BY")
			for _, k := range toks {
				exp := "never"
				if !k.ExpiresAt.IsZero() {
					exp = k.ExpiresAt.Format(time.RFC3339)
					if k.Expired(now) {
						exp += " (expired)"
					}
				}
				roleCap := string(k.Role)
				if roleCap == "" {
					roleCap = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, cell(k.User), roleCap, k.CreatedAt.Format(time.RFC3339), exp, cell(k.CreatedBy))
			}
			return tw.Flush()
		})}
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke a token", Args: cobra.ExactArgs(1),
		RunE: withTokens(func(ctx context.Context, t *access.Tokens, a core.Actor, args []string, out io.Writer) error {
			if err := notFound(t.Revoke(ctx, a, args[0]), "token", args[0]); err != nil {
				return err
			}
			fmt.Fprintf(out, "token %s revoked\n", args[0])
			return nil
		})}
	root.AddCommand(create, list, revoke)
	return root
}
