package dev.coldbrew.server;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** An admin API for tests: a fixed token, loopback hosts, the default limits, on a free port. */
public final class TestAdmin {
  /** The bearer token every request of a test sends. */
  public static final String TOKEN = "test-admin-token";

  /** The {@code Authorization} header value for {@link #TOKEN}. */
  public static final String BEARER = "Bearer " + TOKEN;

  private TestAdmin() {}

  /** Access with {@link #TOKEN} for an API bound to 127.0.0.1. */
  public static AdminAccess access() {
    return new AdminAccess(
        TOKEN, AdminAccess.allowedHosts("127.0.0.1", List.of()), Clock.systemUTC());
  }

  /** Binds {@code api} to a free port on 127.0.0.1, marks it ready and returns the port. */
  public static int listen(AdminApi api) throws Exception {
    int port =
        api.listen("127.0.0.1", 0, AdminApi.Limits.of(Duration.ofSeconds(10), 256))
            .toCompletionStage()
            .toCompletableFuture()
            .get();
    api.markReady();
    return port;
  }
}
