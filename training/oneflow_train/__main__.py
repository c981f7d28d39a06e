from oneflow_train.cli import main

raise SystemExit(main())
