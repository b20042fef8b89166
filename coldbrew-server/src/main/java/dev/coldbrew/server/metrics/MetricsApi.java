package dev.coldbrew.server.metrics;

import dev.coldbrew.server.AdminApi;
import dev.coldbrew.server.BufferOutputStream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: every meter in the Prometheus text format. With thousands of revisions a
 * scrape is tens of megabytes and takes seconds, so it runs on a worker thread, at most one at a
 * time: requests that arrive while one runs get its result, and the text is written once, straight
 * into the buffer that is sent. Handlers run on the admin API's event loop; thread-safe.
 */
public final class MetricsApi {
  public static final String PATH = "/metrics";
  private static final Logger LOG = LoggerFactory.getLogger(MetricsApi.class);

  private final Vertx vertx;
  private final Telemetry telemetry;
  private final AtomicReference<Future<Buffer>> scraping = new AtomicReference<>();
  private final AtomicLong scrapes = new AtomicLong();
  private volatile int lastSize = 64 * 1024;

  public MetricsApi(Vertx vertx, Telemetry telemetry) {
    this.vertx = vertx;
    this.telemetry = telemetry;
  }

  public void mount(AdminApi admin) {
    admin.mount(PATH, this::handle);
  }

  private void handle(HttpServerRequest req) {
    Context ctx = vertx.getOrCreateContext();
    scrape()
        .onComplete(
            ar ->
                ctx.runOnContext(
                    v -> {
                      if (ar.failed()) {
                        LOG.error("scraping the metrics failed", ar.cause());
                        AdminApi.sendError(
                            req, 500, "InternalError", "scraping the metrics failed");
                      } else if (!req.response().closed()) {
                        req.response()
                            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                            .end(ar.result());
                      }
                    }));
  }

  /** The scrape under way, or a new one. */
  Future<Buffer> scrape() {
    while (true) {
      Future<Buffer> running = scraping.get();
      if (running != null) {
        return running;
      }
      Promise<Buffer> mine = Promise.promise();
      if (!scraping.compareAndSet(null, mine.future())) {
        continue;
      }
      vertx
          .executeBlocking(
              () -> {
                scrapes.incrementAndGet();
                Buffer text = Buffer.buffer(lastSize + lastSize / 8);
                telemetry.scrape(new BufferOutputStream(text));
                lastSize = text.length();
                return text;
              },
              false)
          .onComplete(
              ar -> {
                scraping.set(null);
                mine.handle(ar);
              });
      return mine.future();
    }
  }

  /** Scrapes so far. */
  long scrapes() {
    return scrapes.get();
  }
}
