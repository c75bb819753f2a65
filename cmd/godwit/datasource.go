package main

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/godwit/godwit/client"
)

func (a *app) datasourceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "datasource", Aliases: []string{"ds"}, Short: "Manage data sources"}
	cmd.AddCommand(a.dsCreateCmd(), a.dsListCmd(), a.dsDeleteCmd())
	return cmd
}

func (a *app) dsCreateCmd() *cobra.Command {
	var req client.CreateDataSourceRequest
	var pwStdin bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a data source (the connection is tested unless --skip-test)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pwStdin {
				if req.Password != "" {
					return errors.New("use either --password or --password-stdin")
				}
				line, err := bufio.NewReader(a.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read password from stdin: %w", err)
				}
				req.Password = strings.TrimRight(line, "\r\n")
			}
			req.Type = strings.ToUpper(req.Type)
			if req.Type == "POSTGRESQL" && !cmd.Flags().Changed("port") {
				req.Port = 5432
			}
			if req.User == "" && req.Type != "KAFKA" { // a Kafka cluster without SASL has no user
				return errors.New(`required flag(s) "db-user" not set`)
			}
			ds, err := a.client().CreateDataSource(cmd.Context(), req)
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(ds.Raw)
			}
			_, err = fmt.Fprintln(a.stdout, ds.ID)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Name, "name", "", "data source name (required)")
	f.StringVar(&req.Type, "type", "MARIADB", "MYSQL, MARIADB, OB_MYSQL, TIDB, POSTGRESQL or KAFKA")
	f.StringVar(&req.Host, "host", "127.0.0.1", "host")
	f.IntVar(&req.Port, "port", 3306, "port (default 5432 for POSTGRESQL)")
	f.StringVar(&req.User, "db-user", "", "database user (required, except for KAFKA without SASL)")
	f.StringVar(&req.Password, "db-password", "", "database password (prefer --password-stdin)")
	f.BoolVar(&pwStdin, "password-stdin", false, "read the database password from the first line of stdin")
	f.StringVar(&req.Schema, "schema", "", "default schema/database")
	f.StringVar(&req.Description, "description", "", "free text")
	f.StringToStringVar(&req.Options, "option", nil, "driver option key=value (repeatable)")
	f.BoolVar(&req.SkipConnectivityTest, "skip-test", false, "store without testing the connection")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) dsListCmd() *cobra.Command {
	var q client.DataSourceQuery
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List data sources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.client().ListDataSources(cmd.Context(), q)
			if err != nil {
				return err
			}
			if a.json() {
				return a.printRaw(l.Raw)
			}
			rows := make([][]string, 0, len(l.Items))
			for _, d := range l.Items {
				rows = append(rows, []string{d.ID, d.Name, d.Type, d.Host + ":" + strconv.Itoa(d.Port),
					d.User, d.Schema, d.Version, d.GmtCreate.String()})
			}
			return a.table([]string{"ID", "NAME", "TYPE", "ADDRESS", "USER", "SCHEMA", "VERSION", "CREATED"}, rows)
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Search, "search", "", "name substring")
	f.StringVar(&q.Type, "type", "", "only this type")
	f.IntVar(&q.Page, "page", 0, "page number (1-based)")
	f.IntVar(&q.Size, "size", 0, "page size")
	return cmd
}

func (a *app) dsDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a data source no project uses",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.client().DeleteDataSource(cmd.Context(), args[0])
		},
	}
}
