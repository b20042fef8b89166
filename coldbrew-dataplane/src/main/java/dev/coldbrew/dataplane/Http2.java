package dev.coldbrew.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * HTTP/2 in cleartext (h2c) on both sides of the data plane, built from Netty's frame codec and
 * stream multiplexer so that each stream is a channel of its own carrying the same HTTP messages as
 * an HTTP/1.1 connection: the gateway's request path ({@link ClientConnection}, {@link
 * ProxiedRequest}) and the upstream relay ({@link UpstreamConnection}) serve a stream as they serve
 * a connection, one request each.
 *
 * <ul>
 *   <li>Toward clients, a connection that opens with the HTTP/2 preface ("prior knowledge", what
 *       gRPC clients and {@code curl --http2-prior-knowledge} send) is switched to HTTP/2 before
 *       anything is decoded ({@link #sniffer}); any other connection stays HTTP/1.1. Each stream is
 *       a request, routed, held, throttled and counted like any other; an HTTP/2 connection with no
 *       stream open closes after the header-read timeout, as an idle HTTP/1.1 one does.
 *   <li>Toward an instance whose revision speaks h2c, {@link UpstreamPool} keeps one connection per
 *       instance and event loop and opens a stream per request on it.
 * </ul>
 *
 * <p>Stateless; the handlers it makes are confined to their channel's event loop.
 */
final class Http2 {
  /** Streams a client may have open at once on one connection (gRPC's servers allow as many). */
  static final int MAX_CLIENT_STREAMS = 100;

  /**
   * A connection's receive window: as large as all of its streams' windows together, so that
   * streams paused by the proxy (a request held at zero, a slow client of an app's response) hold
   * back only their own data, never the connection's other streams. Toward an instance the streams
   * are not counted, so the window is 1 GiB; each stream's window still bounds what it buffers.
   */
  private static final int CLIENT_CONNECTION_WINDOW =
      MAX_CLIENT_STREAMS * Http2CodecUtil.DEFAULT_WINDOW_SIZE;

  private static final int UPSTREAM_CONNECTION_WINDOW = 1 << 30;

  /** The pseudo-headers Netty's conversion puts in a message's headers: never forwarded as such. */
  private static final List<CharSequence> EXTENSION_HEADERS =
      List.of(
          ExtensionHeaderNames.STREAM_ID.text(),
          ExtensionHeaderNames.SCHEME.text(),
          ExtensionHeaderNames.PATH.text(),
          ExtensionHeaderNames.STREAM_PROMISE_ID.text(),
          ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
          ExtensionHeaderNames.STREAM_WEIGHT.text());

  /** gRPC's deadline header: how long the client waits for the call. */
  static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");

  private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

  private Http2() {}

  /**
   * A {@code grpc-timeout} value in nanoseconds (1 to 8 digits and a unit: H, M, S, m, u or n), or
   * 0 if there is none or it is malformed (then only the revision's timeout applies, and the app
   * judges the header).
   */
  static long grpcTimeoutNanos(String value) {
    if (value == null || value.length() < 2 || value.length() > 9) {
      return 0;
    }
    long n = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      n = n * 10 + (c - '0');
    }
    TimeUnit unit =
        switch (value.charAt(value.length() - 1)) {
          case 'H' -> TimeUnit.HOURS;
          case 'M' -> TimeUnit.MINUTES;
          case 'S' -> TimeUnit.SECONDS;
          case 'm' -> TimeUnit.MILLISECONDS;
          case 'u' -> TimeUnit.MICROSECONDS;
          case 'n' -> TimeUnit.NANOSECONDS;
          default -> null;
        };
    return unit == null ? 0 : Math.max(1, unit.toNanos(n));
  }

  /** {@code nanos} (at least 1 ms) as a {@code grpc-timeout} value: milliseconds, else seconds. */
  static String grpcTimeout(long nanos) {
    long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    return ms <= 99_999_999 ? ms + "m" : TimeUnit.MILLISECONDS.toSeconds(ms) + "S";
  }

  /** Drops the headers Netty's HTTP/2 conversion adds (or a client sent under their names). */
  static void dropExtensionHeaders(HttpHeaders h) {
    for (CharSequence name : EXTENSION_HEADERS) {
      h.remove(name);
    }
  }

  // ---- toward clients

  /**
   * The first handler of a gateway connection: reads until the first bytes tell HTTP/2's preface
   * from an HTTP/1.1 request, then removes itself; for HTTP/2, {@code toHttp2} first makes the
   * pipeline an HTTP/2 server ({@link #serve}).
   */
  static ChannelHandler sniffer(Consumer<ChannelPipeline> toHttp2) {
    return new ChannelInboundHandlerAdapter() {
      /** The first bytes, while they are a part of the preface; null until more than one read. */
      private ByteBuf start;

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (start != null) {
          in = start.writeBytes(in);
          ((ByteBuf) msg).release();
          start = null;
        }
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        int length = preface.readableBytes();
        int n = Math.min(in.readableBytes(), length);
        boolean http2 = ByteBufUtil.equals(in, in.readerIndex(), preface, 0, n);
        preface.release();
        if (http2 && n < length) {
          start = ctx.alloc().buffer(length).writeBytes(in); // the rest of the preface follows
          in.release();
          return;
        }
        ChannelPipeline p = ctx.pipeline();
        p.remove(this);
        if (http2) {
          toHttp2.accept(p);
        }
        p.fireChannelRead(in); // from the first handler: what was read goes to the one now there
      }

      @Override
      public void handlerRemoved(ChannelHandlerContext ctx) {
        if (start != null) {
          start.release();
          start = null;
        }
      }
    };
  }

  /**
   * Makes {@code p} (with no HTTP/1.1 handler left) an HTTP/2 server whose streams {@code streams}
   * initializes. After an {@code Upgrade: h2c}, {@code upgradeSettings} are the client's settings
   * (its {@code HTTP2-Settings}) and stream 1 is the upgraded request's; null otherwise.
   */
  static void serve(
      ChannelPipeline p,
      ChannelInitializer<Http2StreamChannel> streams,
      int maxHeaderBytes,
      long idleNanos,
      Http2Settings upgradeSettings) {
    Http2FrameCodec codec =
        Http2FrameCodecBuilder.forServer()
            .initialSettings(
                Http2Settings.defaultSettings()
                    .maxConcurrentStreams(MAX_CLIENT_STREAMS)
                    .maxHeaderListSize(maxHeaderBytes))
            .build();
    p.addLast(codec, new Http2MultiplexHandler(streams), new ClientLink(codec, idleNanos));
    widenConnectionWindow(p, CLIENT_CONNECTION_WINDOW);
    if (upgradeSettings != null) {
      try {
        codec.onHttpServerUpgrade(upgradeSettings);
      } catch (Http2Exception e) {
        DataPlane.log.debug("gateway HTTP/2 upgrade: {}", String.valueOf(e));
        p.close();
      }
    }
  }

  /**
   * Whether the request's {@code Connection} names both {@code Upgrade} and {@code HTTP2-Settings}
   * (RFC 7540 §3.2.1): an {@code Upgrade} that came through an intermediary without them is not
   * this hop's.
   */
  static boolean upgradeNamed(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.containsValue(HttpHeaderNames.CONNECTION, HTTP2_SETTINGS, true);
  }

  /**
   * The settings an {@code Upgrade: h2c} request carries in its one {@code HTTP2-Settings} header
   * (a SETTINGS payload in unpadded base64url), or null if there is not exactly one or it is
   * malformed: then the request is served in HTTP/1.1, as if it had asked for no upgrade.
   */
  static Http2Settings upgradeSettings(HttpHeaders h) {
    List<String> values = h.getAll(HTTP2_SETTINGS);
    if (values.size() != 1) {
      return null;
    }
    byte[] payload;
    try {
      payload = Base64.getUrlDecoder().decode(values.get(0).trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (payload.length % 6 != 0) {
      return null;
    }
    Http2Settings settings = new Http2Settings();
    try {
      for (int i = 0; i < payload.length; i += 6) {
        char id = (char) (((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff));
        long value =
            ((payload[i + 2] & 0xffL) << 24)
                | ((payload[i + 3] & 0xff) << 16)
                | ((payload[i + 4] & 0xff) << 8)
                | (payload[i + 5] & 0xff);
        settings.put(id, Long.valueOf(value));
      }
    } catch (IllegalArgumentException e) {
      return null; // a value out of its range
    }
    return settings;
  }

  /**
   * The last handler of a client's HTTP/2 connection: closes it (with GOAWAY) once it has had no
   * stream open for {@code idleNanos} — whatever else it sends (PINGs, SETTINGS, a frame trickled
   * byte by byte), as an HTTP/1.1 connection must deliver a request's headers in that time — and on
   * errors the codec did not handle. It looks every half period: a connection closes between one
   * and one and a half periods after its last stream.
   */
  private static final class ClientLink extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final long idleNanos;
    private long busySince = System.nanoTime();
    private ScheduledFuture<?> check;

    ClientLink(Http2FrameCodec codec, long idleNanos) {
      this.codec = codec;
      this.idleNanos = idleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      check =
          ctx.executor()
              .scheduleAtFixedRate(
                  () -> {
                    long now = System.nanoTime();
                    if (codec.connection().numActiveStreams() > 0) {
                      busySince = now;
                    } else if (now - busySince >= idleNanos) {
                      ctx.close();
                    }
                  },
                  idleNanos / 2,
                  idleNanos / 2,
                  TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      check.cancel(false);
      ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg); // connection-level frames (settings, pings, GOAWAY)
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      DataPlane.log.debug("gateway HTTP/2 connection: {}", String.valueOf(cause));
      ctx.close();
    }
  }

  /** Makes a client's stream carry HTTP messages: the server half of Netty's conversion. */
  static void clientStream(ChannelPipeline p) {
    p.addLast(new Http2StreamFrameToHttpObjectCodec(true, true));
  }

  // ---- toward instances

  /** Makes an instance's connection an HTTP/2 client whose streams the pool opens. */
  static void upstream(ChannelPipeline p, int maxHeaderBytes) {
    p.addLast(
        Http2FrameCodecBuilder.forClient()
            .initialSettings(
                Http2Settings.defaultSettings()
                    .pushEnabled(false)
                    .maxHeaderListSize(maxHeaderBytes))
            .encoderEnforceMaxConcurrentStreams(true) // beyond the instance's limit: buffered
            .build(),
        new Http2MultiplexHandler(REFUSE_PUSHED));
  }

  /** Once an instance's connection is open: its receive window, widened. */
  static void upstreamConnected(ChannelPipeline p) {
    widenConnectionWindow(p, UPSTREAM_CONNECTION_WINDOW);
  }

  /** Raises a connection's receive window from HTTP/2's 64 KiB to {@code window} bytes. */
  private static void widenConnectionWindow(ChannelPipeline p, int window) {
    p.writeAndFlush(
        new DefaultHttp2WindowUpdateFrame(window - Http2CodecUtil.DEFAULT_WINDOW_SIZE),
        p.channel().voidPromise());
  }

  /** Makes a stream to an instance carry HTTP messages: the client half of Netty's conversion. */
  static void upstreamStream(ChannelPipeline p) {
    p.addLast(new Http2StreamFrameToHttpObjectCodec(false, true));
  }

  /** Streams an instance opens (server push, refused in the settings) are closed. */
  private static final ChannelHandler REFUSE_PUSHED = new RefusePushed();

  @ChannelHandler.Sharable
  private static final class RefusePushed extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }
}
