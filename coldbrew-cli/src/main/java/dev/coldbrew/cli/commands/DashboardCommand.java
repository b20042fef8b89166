package dev.coldbrew.cli.commands;

import dev.coldbrew.cli.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code coldbrew dashboard}: prints a new one-time login URL for the dashboard, asked of the admin
 * API with the CLI's token. One instance per invocation.
 */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description =
        "Print a new dashboard login URL: it works once, within 5 minutes, and leaves a session"
            + " cookie in the browser that opens it.")
public class DashboardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String url = Main.of(spec).client().loginUrl();
    spec.commandLine().getOut().println(url);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
