//! Python source to stent IR: parsing, checking, lowering, function splitting, analyses, diagnostics
