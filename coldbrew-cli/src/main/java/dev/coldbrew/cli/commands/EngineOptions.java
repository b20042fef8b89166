package dev.coldbrew.cli.commands;

import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --engine local|kubernetes} and {@code --kubeconfig FILE} for the commands that read and
 * write resources: {@code local} (the default) talks to a {@code coldbrew serve} admin API; {@code
 * kubernetes} goes straight to the API server of the kubeconfig's current context, through a {@code
 * KubernetesStore} without informers ({@link Clusters}), with the same admission (validation,
 * defaults) as the admin API. Used on the command's thread only.
 */
public final class EngineOptions {
  @Option(
      names = "--engine",
      paramLabel = "local|kubernetes",
      description =
          "Where resources live (default: $COLDBREW_ENGINE, else local): local = the admin API"
              + " of `coldbrew serve`; kubernetes = the cluster of --kubeconfig, where `coldbrew"
              + " controller` runs.")
  String engine;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "With --engine kubernetes: the kubeconfig (default: the first file in $KUBECONFIG, else"
              + " ~/.kube/config).")
  Path kubeconfig;

  /** True when this invocation works on a cluster. */
  boolean kubernetes() {
    return kubernetes(engine, System.getenv());
  }

  static boolean kubernetes(String flag, Map<String, String> env) {
    String e = flag;
    String source = "--engine";
    if (e == null || e.isBlank()) {
      e = env.get("COLDBREW_ENGINE");
      source = "COLDBREW_ENGINE";
    }
    if (e == null || e.isBlank()) {
      return false;
    }
    return switch (e.toLowerCase(Locale.ROOT)) {
      case "local" -> false;
      case "kubernetes", "k8s" -> true;
      default -> {
        String message = source + ": \"" + e + "\" (expected: local or kubernetes)";
        // a bad flag is a usage error (exit 2); a bad environment variable is not the command
        // line's
        throw flag == null || flag.isBlank()
            ? new UserException(message)
            : new UsageException(message);
      }
    };
  }

  /** The kubeconfig to use, and the flag or variable it came from. */
  static Path kubeconfigFile(Path flag, Map<String, String> env, String home) {
    if (flag != null) {
      return flag;
    }
    String list = env.get("KUBECONFIG");
    if (list != null && !list.isBlank()) {
      return Path.of(list.split(java.io.File.pathSeparator)[0]);
    }
    return Path.of(home, ".kube", "config");
  }
}
