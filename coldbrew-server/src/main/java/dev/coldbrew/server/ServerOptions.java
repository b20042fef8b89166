package dev.coldbrew.server;

import java.nio.file.Path;
import java.util.List;

/**
 * How {@code coldbrew serve} runs: ports, addresses, where data lives, the config, and manifests to
 * apply at start. Immutable.
 *
 * @param httpPort the gateway's port (8080); 0 picks a free one
 * @param adminPort the admin API's port (8081); 0 picks a free one
 * @param bindAddress the gateway's address (127.0.0.1)
 * @param adminBindAddress the admin API's address (127.0.0.1); every address needs the bearer token
 * @param dataDir the store, logs and instance records (./.coldbrew)
 * @param domain the URL domain; null takes the config's {@code domain:} section, else localhost
 * @param config the Knative ConfigMap sections
 * @param manifests files or directories applied once the platform is up
 * @param coldStartHeader whether responses that waited for an instance carry {@code
 *     Coldbrew-Cold-Start: <milliseconds>}
 */
public record ServerOptions(
    int httpPort,
    int adminPort,
    String bindAddress,
    String adminBindAddress,
    Path dataDir,
    String domain,
    PlatformConfig config,
    List<Path> manifests,
    boolean coldStartHeader) {

  public ServerOptions {
    manifests = List.copyOf(manifests);
  }

  /** With the {@code Coldbrew-Cold-Start} header on. */
  public ServerOptions(
      int httpPort,
      int adminPort,
      String bindAddress,
      String adminBindAddress,
      Path dataDir,
      String domain,
      PlatformConfig config,
      List<Path> manifests) {
    this(
        httpPort,
        adminPort,
        bindAddress,
        adminBindAddress,
        dataDir,
        domain,
        config,
        manifests,
        true);
  }

  /** The defaults of {@code coldbrew serve}. */
  public static ServerOptions defaults() {
    return new ServerOptions(
        8080,
        8081,
        "127.0.0.1",
        "127.0.0.1",
        Path.of(".coldbrew"),
        null,
        PlatformConfig.standard(),
        List.of());
  }

  /** The domain in URLs. */
  public String effectiveDomain() {
    return domain != null ? domain : config.domain().domain();
  }
}
