package dev.coldbrew.cli.commands;

import dev.coldbrew.cli.UsageException;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code coldbrew completion bash}: a bash (and zsh, through {@code bashcompinit}) completion
 * script for every command and flag; {@code source <(coldbrew completion bash)}.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = "Print a shell completion script: source <(coldbrew completion bash).")
public class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash (zsh with bashcompinit).")
  String shell;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw new UsageException("SHELL: \"" + shell + "\" (expected: bash or zsh)");
    }
    var out = spec.commandLine().getOut();
    out.print(AutoComplete.bash("coldbrew", spec.root().commandLine()));
    out.flush();
    return 0;
  }
}
