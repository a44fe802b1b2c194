import type { DownloadOptions, DownloadResult, GetOptions, Http, HttpResponse, RequestOptions } from './http.js';

/**
 * An Http whose real implementation is loaded on its first request, not when the command wires its ports: got is
 * the largest library kjoin bundles, and a join's first request (a prefetched download) can start while apt runs
 * instead of before it. A load failure surfaces at that request, as any request error does.
 */
export class LazyHttp implements Http {
  private instance: Promise<Http> | null = null;

  constructor(private readonly load: () => Promise<Http>) {}

  private get(): Promise<Http> {
    this.instance ??= this.load();
    return this.instance;
  }

  async download(options: DownloadOptions): Promise<DownloadResult> {
    return (await this.get()).download(options);
  }

  async getText(options: GetOptions): Promise<string> {
    return (await this.get()).getText(options);
  }

  async getJson<T = unknown>(options: GetOptions): Promise<T> {
    return (await this.get()).getJson<T>(options);
  }

  async request(options: RequestOptions): Promise<HttpResponse> {
    return (await this.get()).request(options);
  }
}
