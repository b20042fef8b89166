package dev.coldbrew.kubernetes;

import dev.coldbrew.api.codec.ResourceCodec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's mock API server in CRUD mode (HTTPS on a loopback port; its store indexed by name,
 * {@link IndexedCrudDispatcher}), with Coldbrew's CRDs installed, every request recorded with its
 * User-Agent, and faults on demand: the next watch of a resource answered 410 Gone (what a real API
 * server says when a watch's resourceVersion is too old; the mock never does), open watches closed
 * (as an API server restarting them), or every request answered 503 (an API server that is down).
 * One gap of the mock is closed here: it ignores the resourceVersion of a {@code /status} PUT,
 * which a real API server checks (409 when stale), so this server checks it. Thread-safe.
 */
final class MockApiServer implements AutoCloseable {
  /** The mock logs every request through java.util.logging at INFO: keep it to warnings. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  /** The User-Agent of {@link #admin()}: requests made by the tests' set-up, not by our code. */
  static final String ADMIN_AGENT = "coldbrew-test-admin";

  /** One request as the server saw it; the body only for writes (null for reads). */
  record Request(String method, String path, String userAgent, String body) {
    Request(String method, String path, String userAgent) {
      this(method, path, userAgent, null);
    }
  }

  private final List<Request> requests = new ArrayList<>();
  private final Object writeLock = new Object();
  private final Set<TrackedWatch> watches = ConcurrentHashMap.newKeySet();
  private final Set<String> goneOnNextWatch = ConcurrentHashMap.newKeySet();
  private volatile boolean down;
  private volatile java.time.Duration slow = java.time.Duration.ZERO;
  private volatile boolean recordBodies = true;
  private final KubernetesMockServer server;
  private final MockWebServer web = new MockWebServer();
  private final KubernetesClient admin;
  private final List<KubernetesClient> clients = new ArrayList<>();

  private MockApiServer(boolean withCrds) {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    IndexedCrudDispatcher crud = new IndexedCrudDispatcher();
    Dispatcher dispatcher =
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String body =
                recordBodies && !r.getMethod().equals("GET")
                    ? new String(r.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    : null;
            synchronized (requests) {
              requests.add(
                  new Request(r.getMethod(), r.getPath(), r.getHeader("User-Agent"), body));
            }
            if (down) {
              return status(503, "ServiceUnavailable", "the API server is down (test)");
            }
            if (!slow.isZero() && !r.getPath().contains("watch=true")) {
              return dispatchPlain(r).setBodyDelay(slow);
            }
            return dispatchPlain(r);
          }

          private MockResponse dispatchPlain(RecordedRequest r) {
            if (r.getPath().contains("watch=true")) {
              for (String plural : goneOnNextWatch) {
                if (r.getPath().contains("/" + plural + "?") && goneOnNextWatch.remove(plural)) {
                  return gone();
                }
              }
              MockResponse watch = crud.dispatch(r);
              WebSocketListener listener = watch.getWebSocketListener();
              return listener == null
                  ? watch
                  : watch.withWebSocketUpgrade(new TrackedWatch(listener, r.getPath()));
            }
            if (!r.getMethod().equals("GET")) {
              synchronized (writeLock) {
                MockResponse stale = staleStatusWrite(crud, r);
                return stale != null ? stale : crud.dispatch(r);
              }
            }
            return crud.dispatch(r);
          }

          @Override
          public void shutdown() {
            crud.shutdown();
          }

          @Override
          public void releaseResources() {
            crud.releaseResources();
          }
        };
    server = new KubernetesMockServer(new Context(), web, responses, dispatcher, true);
    server.init();
    admin = client(ADMIN_AGENT);
    if (withCrds) {
      for (CustomResourceDefinition crd : Crds.kinds().stream().map(Crds::of).toList()) {
        createRetryingRefusedConnections(crd);
      }
    }
  }

  /**
   * Creates a CRD, trying again (at most 5 times, 100 ms apart) while the just-started server
   * refuses the connection: seen once in a full build, the first request of a set-up refused right
   * after the mock reported it was listening. The tests' own clients never retry.
   */
  private void createRetryingRefusedConnections(CustomResourceDefinition crd) {
    for (int attempt = 1; ; attempt++) {
      try {
        admin.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        Throwable root = e;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        if (!(root instanceof java.net.ConnectException) || attempt == 5) {
          throw e;
        }
        System.err.println("mock API server refused the connection; trying again: " + root);
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
      }
    }
  }

  /** A started server with Coldbrew's CRDs. */
  static MockApiServer start() {
    return new MockApiServer(true);
  }

  /** A started server without CRDs. */
  static MockApiServer startEmpty() {
    return new MockApiServer(false);
  }

  /** 409 for a {@code /status} PUT whose resourceVersion is not the stored one, else null. */
  private static MockResponse staleStatusWrite(Dispatcher crud, RecordedRequest r) {
    String path = r.getPath();
    int q = path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    if (!r.getMethod().equals("PUT") || !bare.endsWith("/status")) {
      return null;
    }
    try {
      String sent =
          ResourceCodec.json()
              .readTree(r.getBody().getBytes())
              .path("metadata")
              .path("resourceVersion")
              .asText("");
      String object = bare.substring(0, bare.length() - "/status".length());
      MockResponse current =
          crud.dispatch(
              new RecordedRequest(
                  "HTTP/1.1", HttpMethod.GET, object, r.getHeaders(), new Buffer()));
      if (sent.isEmpty() || current.code() != 200) {
        return null;
      }
      String stored =
          ResourceCodec.json()
              .readTree(current.getBody().readUtf8())
              .path("metadata")
              .path("resourceVersion")
              .asText();
      return stored.equals(sent)
          ? null
          : status(409, "Conflict", "the object has been modified (test: stale status write)");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * What an API server answers a watch from a resourceVersion it no longer has: the WebSocket
   * opens, carries one ERROR event with a 410 Status, and closes.
   */
  private static MockResponse gone() {
    return new MockResponse()
        .withWebSocketUpgrade(
            new WebSocketListener() {
              @Override
              public void onOpen(WebSocket ws, Response response) {
                ws.send(
                    "{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                        + "\"status\":\"Failure\",\"code\":410,\"reason\":\"Expired\","
                        + "\"message\":\"too old resource version (test)\"}}");
                ws.close(1000, "");
              }
            });
  }

  private static MockResponse status(int code, String reason, String message) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(
            "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"code\":"
                + code
                + ",\"reason\":\""
                + reason
                + "\",\"message\":\""
                + message
                + "\"}");
  }

  /** A client sending {@code userAgent}, failing at once (no retries) when the server is down. */
  KubernetesClient client(String userAgent) {
    return client(userAgent, null);
  }

  /** A client as {@link #client(String)}, its requests passing through {@code interceptor}. */
  KubernetesClient client(
      String userAgent, io.fabric8.kubernetes.client.http.Interceptor interceptor) {
    KubernetesClient c =
        server.createClient(
            b -> {
              b.editOrNewConfig()
                  .withUserAgent(userAgent)
                  .withRequestRetryBackoffLimit(0)
                  .withNamespace("default")
                  .endConfig();
              if (interceptor != null) {
                b.withHttpClientBuilderConsumer(
                    h -> h.addOrReplaceInterceptor("test", interceptor));
              }
            });
    synchronized (clients) {
      clients.add(c);
    }
    return c;
  }

  /** The client of the tests' own set-up and checks. */
  KubernetesClient admin() {
    return admin;
  }

  /** The next watch of {@code plural} is answered 410 Gone. */
  void goneOnNextWatch(String plural) {
    goneOnNextWatch.add(plural);
  }

  /**
   * Closes the open watches of {@code plural}, as an API server does when it restarts them; the
   * clients watch again from where they were.
   */
  void dropWatches(String plural) {
    for (TrackedWatch w : watches) {
      if (w.path.contains("/" + plural + "?")) {
        w.socket.close(1000, "closed by the test");
      }
    }
  }

  /** A watch's WebSocket, remembered so a test can close it. */
  private final class TrackedWatch extends WebSocketListener {
    private final WebSocketListener delegate;
    private final String path;
    private volatile WebSocket socket;

    TrackedWatch(WebSocketListener delegate, String path) {
      this.delegate = delegate;
      this.path = path;
    }

    @Override
    public void onBeforeAccept(WebSocket ws, Response response) {
      delegate.onBeforeAccept(ws, response);
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
      socket = ws;
      watches.add(this);
      delegate.onOpen(ws, response);
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
      delegate.onMessage(ws, text);
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
      delegate.onMessage(ws, bytes);
    }

    @Override
    public void onPing(WebSocket ws, byte[] bytes) {
      delegate.onPing(ws, bytes);
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
      delegate.onClosing(ws, code, reason);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
      watches.remove(this);
      delegate.onClosed(ws, code, reason);
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
      watches.remove(this);
      delegate.onFailure(ws, t, response);
    }
  }

  /** Every request but a watch is answered {@code delay} late (the change is applied at once). */
  void slow(java.time.Duration delay) {
    this.slow = delay;
  }

  /** Whether write bodies are kept in {@link #requests()} (on by default). */
  void recordBodies(boolean on) {
    this.recordBodies = on;
  }

  /** The URL clients use, for a kubeconfig. */
  String url() {
    return admin.getMasterUrl().toString();
  }

  /** A kubeconfig whose current context is this server, namespace {@code default}. */
  String kubeconfig() {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: admin
          user: {token: test}
        contexts:
        - name: mock
          context: {cluster: mock, user: admin, namespace: default}
        current-context: mock
        """
        .formatted(url());
  }

  /** Every request is answered 503 while {@code down}. */
  void down(boolean down) {
    this.down = down;
  }

  /** Every request so far, in arrival order. */
  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() {
    synchronized (clients) {
      clients.forEach(KubernetesClient::close);
    }
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      // The mock gives its HTTP server 10 s to close and then gives up before closing its Vert.x
      // (seen once on a loaded CI machine). The test's verdict stands on its own assertions; the
      // mock's threads are ended here so they do not outlive it.
      System.err.println("MockApiServer: " + e.getMessage() + " (" + e.getCause() + ")");
      closeVertxOf(web);
    }
  }

  private static void closeVertxOf(MockWebServer web) {
    try {
      var field = MockWebServer.class.getDeclaredField("vertx");
      field.setAccessible(true);
      ((io.vertx.core.Vertx) field.get(web)).close();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach the mock's Vert.x", e);
    }
  }
}
