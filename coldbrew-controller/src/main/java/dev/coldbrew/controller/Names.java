package dev.coldbrew.controller;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Knative's naming of children ({@code kmeta.ChildName}) and revisions. Stateless. */
public final class Names {
  private static final int MAX = 63;

  private Names() {}

  /**
   * {@code parent + suffix} when that fits in 63 characters; otherwise the parent cut short, its
   * 32-hex MD5, then the suffix.
   */
  public static String child(String parent, String suffix) {
    String n = parent + suffix;
    if (n.length() <= MAX) {
      return n;
    }
    String hash = md5(parent);
    int keep = MAX - hash.length() - suffix.length();
    String head = parent.substring(0, Math.max(0, keep));
    return head + hash + suffix;
  }

  /** The generated name of a configuration's revision: {@code <config>-00001}. */
  public static String revision(String configuration, long generation) {
    return child(configuration, String.format("-%05d", generation));
  }

  private static String md5(String s) {
    try {
      byte[] d = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
      return String.format("%032x", new BigInteger(1, d));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
