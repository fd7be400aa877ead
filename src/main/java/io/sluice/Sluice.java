package io.sluice;
public final class Sluice { public static void main(String[] a) { System.out.println("x"); } }
