package dev.coldbrew.cli.commands;

import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.kubernetes.ClusterConnection;
import dev.coldbrew.kubernetes.HttpQueueScraper;
import dev.coldbrew.kubernetes.KubernetesController;
import dev.coldbrew.kubernetes.MissingCrdsException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code coldbrew controller}: Coldbrew's control plane on a Kubernetes API server, in the
 * foreground until interrupted. Runs on the caller's thread; the controller's own threads do the
 * work.
 */
@Command(
    name = "controller",
    mixinStandardHelpOptions = true,
    description =
        "Run Coldbrew's reconcilers and autoscaler against a Kubernetes cluster (leader-elected;"
            + " /healthz on --health-address).")
public class ControllerCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Where the cluster is: exactly one of the two. */
  static final class Target {
    @Option(
        names = "--in-cluster",
        description = "Use the pod's service account (when running as a Deployment).")
    boolean inCluster;

    @Option(
        names = "--kubeconfig",
        paramLabel = "FILE",
        description = "The kubeconfig whose current context to use.")
    java.nio.file.Path kubeconfig;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(
      names = "--queue-image",
      paramLabel = "IMAGE",
      defaultValue = "ghcr.io/coldbrew/coldbrew:latest",
      description =
          "The image of every Revision's queue-proxy sidecar (default: ${DEFAULT-VALUE}).")
  String queueImage;

  @Option(
      names = "--identity",
      paramLabel = "NAME",
      description = "This replica's name in the Lease (default: $POD_NAME, else $HOSTNAME).")
  String identity;

  @Option(
      names = "--health-address",
      paramLabel = "HOST:PORT",
      defaultValue = "0.0.0.0:8081",
      description = "Where /healthz listens (default: ${DEFAULT-VALUE}).")
  String healthAddress;

  @Option(
      names = "--domain",
      paramLabel = "DOMAIN",
      defaultValue = "svc.cluster.local",
      description = "The domain of Route URLs (default: ${DEFAULT-VALUE}).")
  String domain;

  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Take the Lease coldbrew-system/coldbrew-controller before acting (default: on;"
              + " --no-leader-election for a single replica).")
  boolean leaderElection;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      defaultValue = "9090",
      description = "The pods' queue metrics port that is scraped (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Override
  public Integer call() throws Exception {
    InetSocketAddress health = hostPort("--health-address", healthAddress);
    if (metricsPort < 1 || metricsPort > 65535) {
      throw new UsageException("--metrics-port: " + metricsPort + " (expected: 1..65535)");
    }
    String id = identity;
    if (id == null || id.isBlank()) {
      id = System.getenv("POD_NAME");
    }
    if (id == null || id.isBlank()) {
      id = System.getenv("HOSTNAME");
    }
    if (id == null || id.isBlank()) {
      id = java.net.InetAddress.getLocalHost().getHostName();
    }
    KubernetesController.Options options;
    try {
      options =
          KubernetesController.Options.defaults(
                  queueImage, ValidationContext.standard().withLocalRuntime(false), id, health)
              .withDomain(domain, 80);
      if (!leaderElection) {
        options =
            options.withLeaderElection(
                false, options.leaseDuration(), options.renewDeadline(), options.retryPeriod());
      }
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage());
    }
    KubernetesClient client;
    try {
      client =
          target.inCluster
              ? ClusterConnection.inCluster(System.getenv())
              : ClusterConnection.fromKubeconfig(target.kubeconfig, "--kubeconfig");
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage());
    }
    var err = spec.commandLine().getErr();
    try (client;
        HttpQueueScraper scraper = new HttpQueueScraper(metricsPort)) {
      KubernetesController controller;
      try {
        controller = KubernetesController.start(client, options, scraper, Clock.systemUTC());
      } catch (MissingCrdsException e) {
        throw new UserException(e.getMessage());
      }
      CountDownLatch stop = new CountDownLatch(1);
      Thread hook = new Thread(stop::countDown, "coldbrew-controller-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      err.println(
          "coldbrew controller "
              + id
              + " on "
              + client.getMasterUrl()
              + "; /healthz on port "
              + controller.healthPort());
      err.flush();
      try (controller) {
        stop.await();
      }
      return 0;
    } finally {
      err.flush();
    }
  }

  /**
   * {@code HOST:PORT} (an IPv6 host in brackets) as an address, or a usage error naming the flag.
   */
  static InetSocketAddress hostPort(String flag, String value) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    String host = colon <= 0 ? "" : value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isEmpty() || port < 0 || port > 65535 || !host.matches("[A-Za-z0-9.:%-]+")) {
      throw new UsageException(
          flag + ": \"" + value + "\" (expected: HOST:PORT such as 0.0.0.0:8081, port 0..65535)");
    }
    return new InetSocketAddress(host, port);
  }
}
