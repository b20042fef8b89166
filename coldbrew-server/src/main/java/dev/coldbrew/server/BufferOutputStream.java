package dev.coldbrew.server;

import io.vertx.core.buffer.Buffer;
import java.io.OutputStream;

/**
 * Appends what is written to a Vert.x {@link Buffer}, so a large answer (a list, the metrics, the
 * dashboard's state) is written once, straight into what is sent, without an intermediate string.
 * Not thread-safe: one writer.
 */
public final class BufferOutputStream extends OutputStream {
  private final Buffer buffer;

  public BufferOutputStream(Buffer buffer) {
    this.buffer = buffer;
  }

  @Override
  public void write(int b) {
    buffer.appendByte((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    buffer.appendBytes(b, off, len);
  }
}
