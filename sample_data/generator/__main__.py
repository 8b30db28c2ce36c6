from sample_data.generator.cli import main

raise SystemExit(main())
