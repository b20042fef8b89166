package dev.coldbrew.runtime.local;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One call of the gRPC health protocol ({@code grpc.health.v1.Health/Check}) over HTTP/2 with prior
 * knowledge, as Kubernetes' and Knative's {@code grpc} probes make it: success when the answer's
 * status is {@code SERVING}. Anything else fails the attempt: a refused or silent connection, a
 * server that speaks no HTTP/2, an error status (no message: {@code NOT_FOUND} for an unknown
 * service, {@code UNIMPLEMENTED} without the health service), {@code NOT_SERVING}, {@code UNKNOWN}.
 *
 * <p>Written on a plain socket, like the HTTP probe, with only what one unary call needs: the
 * request's headers are HPACK literals (no table, no Huffman), the answer's headers and trailers
 * are not decoded (the message alone decides), and the call ends at the first whole message, at the
 * stream's end, or at the timeout. Blocking; stateless.
 */
final class GrpcHealthCheck {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6;
  private static final int GOAWAY = 7;
  private static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8;

  /** The largest frame a peer may send before our SETTINGS say otherwise (we never do). */
  private static final int MAX_FRAME = 16_384;

  /** {@code HealthCheckResponse.ServingStatus.SERVING}. */
  private static final int SERVING = 1;

  private GrpcHealthCheck() {}

  /** Whether {@code service} ("" = the server as a whole) at {@code host:port} is SERVING. */
  static boolean serving(String host, int port, String service, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeoutMillis));
      OutputStream out = s.getOutputStream();
      out.write(request(host + ":" + port, service, timeoutMillis));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return false;
        }
        s.setSoTimeout((int) left);
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        if (length > MAX_FRAME) {
          return false; // not an HTTP/2 peer, or one breaking the protocol
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
          return false;
        }
        if (type == SETTINGS && (flags & ACK) == 0) {
          out.write(frame(SETTINGS, ACK, 0, new byte[0]));
          out.flush();
        } else if (type == PING && (flags & ACK) == 0) {
          out.write(frame(PING, ACK, 0, payload));
          out.flush();
        } else if (type == GOAWAY || (stream == 1 && type == RST_STREAM)) {
          return false;
        } else if (stream == 1 && type == DATA) {
          int pad = (flags & PADDED) != 0 && length > 0 ? (payload[0] & 0xff) + 1 : 0;
          if (pad > length) {
            return false;
          }
          int from = pad == 0 ? 0 : 1;
          body.write(payload, from, length - pad);
          Integer status = status(body.toByteArray());
          if (status != null) {
            return status == SERVING;
          }
          if ((flags & END_STREAM) != 0) {
            return false;
          }
        } else if (stream == 1 && type == HEADERS && (flags & END_STREAM) != 0) {
          return false; // trailers (or a trailers-only error) before any whole message
        }
      }
    } catch (IOException | RuntimeException e) { // refused, reset, timed out, not HTTP/2
      return false;
    }
  }

  /** The preface, our (empty) SETTINGS, and the call on stream 1: its HEADERS and its one DATA. */
  static byte[] request(String authority, String service, long timeoutMillis) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(0x83); // :method: POST (static table 3)
    h.write(0x86); // :scheme: http (static table 6)
    literal(h, 4, "/grpc.health.v1.Health/Check"); // :path (static table 4)
    literal(h, 1, authority); // :authority (static table 1)
    literal(h, "content-type", "application/grpc");
    literal(h, "te", "trailers");
    literal(h, "user-agent", "kube-probe/coldbrew");
    literal(
        h, "grpc-timeout", Math.min(Math.max(1, timeoutMillis), 99_999_999) + "m"); // ≤ 8 digits

    byte[] name = service.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    if (name.length > 0) {
      message.write(0x0a); // field 1 (service), length-delimited
      varint(message, name.length);
      message.writeBytes(name);
    }
    byte[] m = message.toByteArray();
    byte[] data = new byte[5 + m.length]; // not compressed, 4-byte length, the message
    data[1] = (byte) (m.length >>> 24);
    data[2] = (byte) (m.length >>> 16);
    data[3] = (byte) (m.length >>> 8);
    data[4] = (byte) m.length;
    System.arraycopy(m, 0, data, 5, m.length);

    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(PREFACE);
    all.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
    all.writeBytes(frame(HEADERS, END_HEADERS, 1, h.toByteArray()));
    all.writeBytes(frame(DATA, END_STREAM, 1, data));
    return all.toByteArray();
  }

  /**
   * The {@code status} (field 1) of the first whole message in {@code body}: the field's value, 0
   * (UNKNOWN) when a whole message leaves it out, -1 for a compressed or unreadable message; null
   * until a whole message has arrived.
   */
  static Integer status(byte[] body) {
    if (body.length < 5) {
      return null;
    }
    long length =
        (body[1] & 0xffL) << 24 | (body[2] & 0xff) << 16 | (body[3] & 0xff) << 8 | body[4] & 0xff;
    if (body.length - 5 < length) {
      return null;
    }
    if (body[0] != 0) {
      return -1; // compressed, though we offered no encoding
    }
    int i = 5;
    int end = 5 + (int) length;
    int status = 0;
    while (i < end) {
      long[] key = readVarint(body, i, end);
      if (key == null) {
        return -1;
      }
      i = (int) key[1];
      int field = (int) (key[0] >>> 3);
      int wire = (int) (key[0] & 7);
      if (wire == 0) {
        long[] v = readVarint(body, i, end);
        if (v == null) {
          return -1;
        }
        i = (int) v[1];
        if (field == 1) {
          status = (int) v[0];
        }
      } else if (wire == 2) {
        long[] n = readVarint(body, i, end);
        if (n == null || n[0] < 0 || n[0] > end - n[1]) {
          return -1;
        }
        i = (int) (n[1] + n[0]);
      } else {
        return -1; // HealthCheckResponse has no other wire types
      }
    }
    return status;
  }

  /** A varint at {@code i}: its value and the index after it; null when cut short. */
  private static long[] readVarint(byte[] b, int i, int end) {
    long v = 0;
    for (int shift = 0; shift < 64 && i < end; shift += 7) {
      int c = b[i++] & 0xff;
      v |= (long) (c & 0x7f) << shift;
      if ((c & 0x80) == 0) {
        return new long[] {v, i};
      }
    }
    return null;
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) (stream >>> 24);
    f[6] = (byte) (stream >>> 16);
    f[7] = (byte) (stream >>> 8);
    f[8] = (byte) stream;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  /** A literal header field without indexing, its name from the static table. */
  private static void literal(ByteArrayOutputStream out, int nameIndex, String value) {
    out.write(nameIndex); // 0000xxxx, the static indexes used are below 15
    string(out, value);
  }

  /** A literal header field without indexing, with a new name. */
  private static void literal(ByteArrayOutputStream out, String name, String value) {
    out.write(0);
    string(out, name);
    string(out, value);
  }

  /** An HPACK string literal, not Huffman-coded: its length as a 7-bit-prefix integer, then it. */
  private static void string(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length < 127) {
      out.write(b.length);
    } else {
      out.write(127);
      int rest = b.length - 127;
      while (rest >= 128) {
        out.write(rest % 128 + 128);
        rest /= 128;
      }
      out.write(rest);
    }
    out.writeBytes(b);
  }

  private static void varint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7f) != 0) {
      out.write(v & 0x7f | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }
}
