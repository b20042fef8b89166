package dev.coldbrew.api.model;

/** A status address: {@code url}. */
public class Addressable {
  public String url;

  public Addressable() {}

  public Addressable(String url) {
    this.url = url;
  }
}
