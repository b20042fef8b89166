package dev.coldbrew.cli.commands;

import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.cli.AdminTokens;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.server.AdminAccess;
import dev.coldbrew.server.AdminToken;
import dev.coldbrew.server.Coldbrew;
import dev.coldbrew.server.PlatformConfig;
import dev.coldbrew.server.ServerOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coldbrew serve}: runs the platform in the foreground until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run Coldbrew: gateway, activator, autoscaler, admin API; apply manifests given with -f.")
public class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--cold-start-header",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Add Coldbrew-Cold-Start: <milliseconds> to responses that waited for an instance"
              + " (default: on; --no-cold-start-header turns it off).")
  boolean coldStartHeader;

  @Option(
      names = "--http-port",
      defaultValue = "8080",
      paramLabel = "PORT",
      description = "Gateway port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--admin-port",
      defaultValue = "8081",
      paramLabel = "PORT",
      description = "Admin API, /metrics and dashboard port (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(
      names = "--bind-address",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description = "Gateway address (default: ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(
      names = "--admin-bind-address",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description =
          "Admin API address (default: ${DEFAULT-VALUE}). Every request needs the token written"
              + " to <data-dir>/admin-token at each start (the CLI finds it on this machine), or a"
              + " dashboard session from a login URL.")
  String adminBindAddress;

  @Option(
      names = "--data-dir",
      defaultValue = ".coldbrew",
      paramLabel = "DIR",
      description = "Where the store and logs live (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--domain",
      paramLabel = "DOMAIN",
      description = "URL domain (default: the config's domain section, else localhost).")
  String domain;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "YAML with Knative ConfigMap sections (autoscaler, defaults, deployment, domain, gc)"
              + " and coldbrew (max-held-requests-per-revision, max-request-body-bytes,"
              + " request-body-idle-timeout, header-read-timeout, admin-max-connections,"
              + " admin-allowed-hosts, max-revisions, engine, container-network,"
              + " gateway-transport); edits of autoscaler, defaults, deployment and gc apply"
              + " while serve runs; see docs/operations.md.")
  Path config;

  @Option(
      names = {"-f", "--filename"},
      paramLabel = "FILE|DIR",
      description = "Manifests to apply once started (repeatable).")
  List<Path> manifests = new ArrayList<>();

  private static void checkAddress(String flag, String address) {
    try {
      java.net.InetAddress.getByName(address);
    } catch (java.net.UnknownHostException e) {
      throw new UsageException(
          flag + ": \"" + address + "\" (expected: an IP address or a host name of this machine)");
    }
  }

  @Override
  public Integer call() throws Exception {
    checkPort("--http-port", httpPort);
    checkPort("--admin-port", adminPort);
    checkAddress("--bind-address", bindAddress);
    checkAddress("--admin-bind-address", adminBindAddress);
    for (Path m : manifests) {
      if (!Files.exists(m)) {
        throw new UserException("-f: " + m + " does not exist");
      }
    }
    if (domain != null
        && !domain.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
      throw new UsageException(
          "--domain: \""
              + domain
              + "\" (expected: a lowercase DNS name such as localhost or example.com)");
    }
    PlatformConfig cfg = config == null ? PlatformConfig.standard() : PlatformConfig.load(config);
    ServerOptions opts =
        new ServerOptions(
            httpPort,
            adminPort,
            bindAddress,
            adminBindAddress,
            dataDir,
            domain,
            cfg,
            manifests,
            coldStartHeader);
    PrintStream out = System.out;
    Coldbrew platform;
    try {
      platform = Coldbrew.start(opts, out);
    } catch (ValidationException e) {
      throw e;
    } catch (IllegalStateException | dev.coldbrew.store.StoreException e) {
      throw new UserException(e.getMessage());
    }
    if (config != null) {
      platform.followConfigFile(config);
    }
    Path tokenFile = dataDir.toAbsolutePath().resolve(AdminToken.FILE);
    int adminPortBound = platform.adminPort();
    boolean recorded = false;
    if (reachableOnLoopback(adminBindAddress)) {
      try {
        AdminTokens.remember(adminPortBound, tokenFile);
        recorded = true;
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println(
            "coldbrew: cannot record the admin token's place in "
                + AdminTokens.record(adminPortBound)
                + " ("
                + e
                + "); give the CLI COLDBREW_TOKEN or --token-file "
                + tokenFile);
      }
    }
    out.printf(
        "Coldbrew is serving: gateway http://%s:%d, admin API and dashboard http://%s:%d, data in"
            + " %s%n",
        bindAddress,
        platform.gatewayPort(),
        adminBindAddress,
        adminPortBound,
        dataDir.toAbsolutePath());
    out.printf(
        "Dashboard: %s (this link works once, within %d minutes; `coldbrew dashboard` prints a"
            + " new one)%n",
        platform.loginUrl(), AdminAccess.LINK_LIFETIME.toMinutes());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    boolean forget = recorded;
    boolean secondCtrlC =
        SecondInterrupt.install(
            () -> {
              out.println(
                  "Stopping at once: "
                      + platform.hurry()
                      + "; requests still in flight on them are cut.");
              out.flush();
            });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  String work = platform.stopWork();
                  out.println(
                      work.isEmpty()
                          ? "Stopping Coldbrew."
                          : "Stopping Coldbrew: draining "
                              + work
                              + ", then ending them (each app gets its grace period)"
                              + (secondCtrlC ? "; Ctrl-C again stops them at once." : "."));
                  out.flush();
                  platform.close();
                  out.println("Stopped.");
                  out.flush();
                  if (forget) {
                    AdminTokens.forget(adminPortBound, tokenFile);
                  }
                  stopped.countDown();
                },
                "coldbrew-shutdown"));
    stopped.await();
    return 0;
  }

  /** Whether a client on this machine reaches the admin API on loopback (loopback or wildcard). */
  private static boolean reachableOnLoopback(String address) {
    try {
      java.net.InetAddress a = java.net.InetAddress.getByName(address);
      return a.isLoopbackAddress() || a.isAnyLocalAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static void checkPort(String flag, int port) {
    if (port < 0 || port > 65535) {
      throw new UsageException(flag + ": " + port + " (expected: 0..65535)");
    }
  }
}
