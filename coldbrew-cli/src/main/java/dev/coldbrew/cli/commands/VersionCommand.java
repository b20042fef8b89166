package dev.coldbrew.cli.commands;

import dev.coldbrew.cli.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code coldbrew version}: the jar's version and the Java runtime it runs on. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version.")
public class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    String v = Main.class.getPackage().getImplementationVersion();
    out.println("coldbrew " + (v == null ? "dev" : v));
    out.println(
        "java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ", "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch")
            + ")");
    out.flush();
    return 0;
  }
}
