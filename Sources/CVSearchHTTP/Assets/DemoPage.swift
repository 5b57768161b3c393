/// The demo page at `/`: the widget, on a page of its own.
enum DemoPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>cvsearch</title>
        <style>
          body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", sans-serif;
                 margin: 0; background: #f6f7f9; color: #1d2330; }
          main { max-width: 760px; margin: 48px auto; padding: 0 20px; }
          h1 { font-size: 22px; font-weight: 600; margin: 0 0 4px; }
          p.lead { margin: 0 0 20px; color: #5b6475; font-size: 14px; }
        </style>
        </head>
        <body>
        <main>
          <h1>Search the portfolio</h1>
          <p class="lead">English or 中文, as you type: try <code>RAG Qwen</code>, <code>知识图谱</code>, <code>customer service</code>.</p>
          <div id="cvsearch"></div>
        </main>
        <script src="/widget.js" data-endpoint="/search"></script>
        </body>
        </html>
        """
}
